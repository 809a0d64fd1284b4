"""Modern Python the syntax check must accept."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: int
    y: int


def describe(shape):
    match shape:
        case Point(x=0, y=0):
            return "origin"
        case Point(x=x, y=0):
            return f"on the x axis at {x}"
        case [first, *rest]:
            return f"a list starting with {first!r} and {len(rest)} more"
        case {"kind": kind, **others}:
            return f"a {kind} with {len(others)} fields"
        case _:
            return "something else"


def chunks(data, size):
    while (chunk := data[:size]):
        yield chunk
        data = data[size:]


def total(*values: int, scale: float = 1.0) -> float:
    result = 0
    for v in values:
        if v < 0:
            continue
        result += v
    else:
        result *= scale
    return result


async def fetch_all(client, urls):
    async with client:
        results = [await client.get(u) for u in urls]
    return {u: r for u, r in zip(urls, results, strict=True)}


type Pair[T] = tuple[T, T]


def first[T](items: list[T]) -> T:
    return items[0]


if __name__ == "__main__":
    print(describe(Point(0, 0)), f"{total(1, 2, 3):>10.2f}")
