// Modern Java the syntax check must accept.
package syntax;

import java.util.List;
import java.util.Map;

public class Modern {
    public record Point(int x, int y) {
        public Point {
            if (x < 0) {
                throw new IllegalArgumentException("negative x");
            }
        }
    }

    public sealed interface Shape permits Circle, Square {}

    public record Circle(double radius) implements Shape {}

    public record Square(double side) implements Shape {}

    static double area(Shape shape) {
        return switch (shape) {
            case Circle c -> Math.PI * c.radius() * c.radius();
            case Square s -> s.side() * s.side();
        };
    }

    static String describe(Object o) {
        if (o instanceof String s && !s.isEmpty()) {
            return "string " + s;
        }
        return null;
    }

    static String query() {
        var text = """
            SELECT name
            FROM users
            WHERE id = ?
            """;
        return text.strip();
    }

    static int count(List<String> words) {
        var counts = Map.<String, Integer>of();
        int total = 0;
        for (var w : words) {
            total += counts.getOrDefault(w, 1);
        }
        return total;
    }
}
