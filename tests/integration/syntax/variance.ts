// Modern TypeScript the syntax check must accept.
interface Box<out T> {
	get(): T;
}

interface Sink<in T> {
	put(value: T): void;
}

interface Cell<in out T> {
	value: T;
}

type Config = { name: string; port: number };

const defaults = {
	name: "tend",
	port: 8080,
} satisfies Config;

enum Level {
	Low = 1,
	High = 2,
}

function first<const T extends readonly unknown[]>(items: T): T[0] {
	return items[0];
}

class Store<T> implements Box<T> {
	#items: T[] = [];
	constructor(private readonly label: string) {}

	get(): T {
		const last = this.#items.at(-1);
		if (last === undefined) {
			throw new Error("empty store");
		}
		return last;
	}

	add(item: T): this {
		this.#items.push(item);
		return this;
	}
}

export async function load(url: string): Promise<string | undefined> {
	const res = await fetch(url);
	if (!res.ok) {
		return undefined;
	}
	return res.text();
}

export const label = (s: Store<number>) => s?.get() ?? 0;
export { defaults, first, Level };
