# Modern Ruby the syntax check must accept.
module Syntax
  Point = Struct.new(:x, :y)

  class Shape
    attr_reader :kind

    def initialize(kind) = @kind = kind

    def area(size) = size * size

    def describe(value)
      case value
      in { kind: "circle", radius: }
        "circle of #{radius}"
      in [Integer => a, Integer => b]
        "pair #{a}, #{b}"
      in Point[x, y] if x == y
        "diagonal"
      else
        "other"
      end
    end

    def each_pair(hash)
      hash.each do |key, value|
        next if value.nil?

        yield key, value
      end
    end

    def safe(name)
      return nil unless name

      name&.strip
    rescue ArgumentError => e
      warn e.message
    ensure
      @done = true
    end
  end

  def self.build(**opts, &block)
    Shape.new(opts.fetch(:kind, "square")).tap(&block)
  end
end
