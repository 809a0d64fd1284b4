#!/usr/bin/env python3
"""gen_structure.py - write a large multi-language tree of source files for
the structural-check benchmark (tests/bench/structure.sh).

    gen_structure.py DIR [FILES] [MEGABYTES]

Files cycle through the languages that have grammars (C, C++ and a C
header, Python, JavaScript, TypeScript, TSX, Go, Rust, Java, Ruby, Bash);
each is a run of generated functions in that language, valid code, with
an occasional (5%) construct a built-in structural rule flags, until the file
reaches its share of the total size. Deterministic for given arguments.
"""
import os
import random
import sys

T = {
    "c": ("c", """
/* {n}: walk the table and sum what matches */
static int {n}(const struct item *items, size_t nr, int key)
{{
	size_t i;
	int total = 0;

	for (i = 0; i < nr; i++) {{
		if (items[i].key == key && items[i].value > {k})
			total += items[i].value * 2;
		else if (!items[i].name)
			continue;
		{bug}
	}}
	switch (key) {{
	case 1: return total + strlen("{n}");
	default: break;
	}}
	return total;
}}
""", "if (total = key) total++;"),
    "cpp": ("cc", """
// {n}: a small class with a template helper
template <typename T>
T {n}_max(const std::vector<T> &v) {{
  T best{{}};
  for (const auto &x : v) {{
    if (x > best) best = x;
  }}
  return best;
}}

class {N} {{
 public:
  explicit {N}(int k) : k_(k) {{}}
  int run(std::map<std::string, int> &m) const {{
    int s = 0;
    for (auto it = m.begin(); it != m.end(); ++it) {{
      s += it->second * k_ + {k};
      {bug}
    }}
    return s;
  }}
 private:
  int k_;
}};
""", "if (s = k_) s--;"),
    "h": ("h", """
/* {n}: declarations */
struct {n}_state {{
	int count;
	const char *name;
	unsigned flags : 3;
}};
int {n}_open(struct {n}_state *st, const char *path, int mode);
void {n}_close(struct {n}_state *st);
#define {N}_MAX {k}
static inline int {n}_full(const struct {n}_state *st)
{{
	return st->count >= {N}_MAX;
}}
""", ""),
    "python": ("py", """

def {n}(items, key={k}, cache=None):
    \"\"\"Sum the values of items whose key matches.\"\"\"
    total = 0
    for i, item in enumerate(items):
        if item.key == key and item.value > {k}:
            total += item.value * 2
        elif item.name is None:
            continue
        try:
            total += int(item.extra)
        except ValueError:
            pass
    {bug}
    return {{"name": "{n}", "total": total, "squares": [x * x for x in range(key)]}}


class {N}:
    def __init__(self, k):
        self.k = k

    def run(self, m):
        return sum(v * self.k for v in m.values())
""", "ok = total == None"),
    "javascript": ("js", """
// {n}: fetch, filter and total
export async function {n}(items, key = {k}) {{
  let total = 0;
  for (const item of items) {{
    if (item.key === key && item.value > {k}) {{
      total += item.value * 2;
    }} else if (!item.name) {{
      continue;
    }}
  }}
  try {{
    await save({{ name: '{n}', total }});
  }} catch (err) {{
    console.error(err);
  }}
  {bug}
  return items.map((x) => x.value).filter(Boolean).length + total;
}}
""", "if (total === NaN) total = 0;"),
    "typescript": ("ts", """
// {n}: typed version
export interface {N}Item {{ key: number; value: number; name?: string }}

export function {n}(items: {N}Item[], key: number = {k}): number {{
  let total = 0;
  for (const item of items) {{
    if (item.key === key && item.value > {k}) {{
      total += item.value * 2;
    }} else if (item.name === undefined) {{
      continue;
    }}
  }}
  try {{
    total += Number(items.length);
  }} catch (e) {{{bug}}}
  return total;
}}
""", " ", " report(e); "),
    "tsx": ("tsx", """
// {n}: a component
export function {N}(props: {{ items: string[]; k: number }}) {{
  const list = props.items.filter((x) => x.length > {k});
  if (list.length === 0) {{
    return <p className="empty">nothing</p>;
  }}
  return (
    <ul>
      {{list.map((x) => (
        <li key={{x}}>{{x}}</li>
      ))}}
    </ul>
  );
}}
""", ""),
    "go": ("go", """
// {N} sums what matches.
func {N}(items []Item, key int) (int, error) {{
	total := 0
	for i, item := range items {{
		if item.Key == key && item.Value > {k} {{
			total += item.Value * 2
		}} else if item.Name == "" {{
			continue
		}}
		_ = i
		{bug}
	}}
	if total < 0 {{
		return 0, fmt.Errorf("{n}: negative total %d", total)
	}}
	return total, nil
}}
""", "defer cleanup()"),
    "rust": ("rs", """
/// {n}: sum what matches.
pub fn {n}(items: &[Item], key: i64) -> Result<i64, String> {{
    let mut total = 0i64;
    for item in items.iter() {{
        if item.key == key && item.value > {k} {{
            total += item.value * 2;
        }} else if item.name.is_empty() {{
            continue;
        }}
    }}
    let squares: Vec<i64> = (0..key).map(|x| x * x).collect();
    {bug}
    match squares.last() {{
        Some(v) => Ok(total + v),
        None => Err(format!("{n}: empty")),
    }}
}}
""", "dbg!(total);"),
    "java": ("java", """
  /** {n}: sum what matches. */
  public static int {n}(java.util.List<Item> items, int key) {{
    int total = 0;
    for (Item item : items) {{
      if (item.key == key && item.value > {k}) {{
        total += item.value * 2;
      }} else if (item.name == null) {{
        continue;
      }}
    }}
    try {{
      total += Integer.parseInt("{k}");
    }} catch (NumberFormatException e) {{{bug}}}
    return total;
  }}
""", " ", " log(e); "),
    "ruby": ("rb", """
  # {n}: sum what matches
  def {n}(items, key = {k})
    total = 0
    items.each_with_index do |item, i|
      if item.key == key && item.value > {k}
        total += item.value * 2
      elsif item.name.nil?
        next
      end
    end
    {{ name: "{n}", total: total, list: items.map {{ |x| x.value }} }}
  rescue {bug}ArgumentError => e
    warn e.message
  end
""", "Exception, "),
    "bash": ("sh", """
# {n}: process arguments
{n}() {{
	local total=0 f
	for f in "$@"; do
		if [ -f "$f" ] && [ "$(wc -c < "$f")" -gt {k} ]; then
			total=$((total + 1))
		elif [ -z "$f" ]; then
			continue
		fi
	done
	case "$1" in
	-v) echo "{n}: $total" ;;
	*) printf '%s\\n' "$total" ;;
	esac
	{bug}
}}
""", "run_it $@"),
}

WRAP = {
    "java": ("public class {N} {{\n", "}}\n"),
    "ruby": ("class {N}\n", "end\n"),
    "go": ("package bench\n\nimport \"fmt\"\n", ""),
    "bash": ("#!/bin/bash\nset -eu\n", ""),
    "c": ("#include <string.h>\n#include \"bench.h\"\n", ""),
    "cpp": ("#include <map>\n#include <string>\n#include <vector>\n", ""),
}


def main():
    out = sys.argv[1]
    nfiles = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    mb = float(sys.argv[3]) if len(sys.argv) > 3 else 50
    per_file = int(mb * 1024 * 1024 / nfiles)
    rnd = random.Random(42)
    langs = list(T)
    total = 0
    for i in range(nfiles):
        lang = langs[i % len(langs)]
        ext, body, bug = T[lang][:3]
        normal = T[lang][3] if len(T[lang]) > 3 else ""
        d = os.path.join(out, lang, "d%02d" % (i % 37))
        os.makedirs(d, exist_ok=True)
        name = "m%04d" % i
        head, tail = WRAP.get(lang, ("", ""))
        parts = [head.format(N=name.capitalize())]
        size = len(parts[0])
        j = 0
        while size < per_file:
            n = "f%d_%d" % (i, j)
            b = bug if rnd.random() < 0.05 else normal
            s = body.format(n=n, N=n.capitalize(), k=rnd.randint(1, 999),
                            bug=b)
            parts.append(s)
            size += len(s)
            j += 1
        parts.append(tail.format(N=name.capitalize()))
        data = "".join(parts)
        with open(os.path.join(d, "%s.%s" % (name, ext)), "w") as f:
            f.write(data)
        total += len(data)
    print("gen_structure: %d files, %.1f MB in %s" % (nfiles, total / 1048576,
                                                     out))


if __name__ == "__main__":
    main()
