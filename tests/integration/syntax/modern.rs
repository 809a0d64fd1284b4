// Modern Rust the syntax check must accept.
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Circle { radius: f64 },
    Square(f64),
}

pub fn area(shape: &Shape) -> f64 {
    match shape {
        Shape::Circle { radius } => std::f64::consts::PI * radius * radius,
        Shape::Square(side) => side * side,
    }
}

pub fn parse_port(s: &str) -> Option<u16> {
    let Ok(port) = s.parse::<u16>() else {
        return None;
    };
    if port == 0 {
        return None;
    }
    Some(port)
}

pub struct Counter<'a> {
    counts: HashMap<&'a str, usize>,
}

impl<'a> Counter<'a> {
    pub fn new() -> Self {
        Self { counts: HashMap::new() }
    }

    pub fn add(&mut self, word: &'a str) -> usize {
        let n = self.counts.entry(word).or_insert(0);
        *n += 1;
        *n
    }
}

pub async fn fetch(url: &str) -> Result<String, Box<dyn std::error::Error>> {
    let name = format!("{url}/index");
    Ok(name)
}

pub const fn double(x: u32) -> u32 {
    x * 2
}
