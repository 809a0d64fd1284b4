// Modern JavaScript the syntax check must accept.
import { readFile } from "node:fs/promises";

export class Counter {
	#count = 0;
	static #instances = 0;

	static {
		Counter.#instances = 0;
	}

	increment(by = 1) {
		this.#count += by;
		return this.#count;
	}

	get value() {
		return this.#count;
	}
}

export async function readConfig(path) {
	const text = await readFile(path, "utf8");
	const data = JSON.parse(text);
	const port = data?.server?.port ?? 8080;
	if (port > 65535) {
		throw new RangeError(`bad port ${port}`);
	}
	return { ...data, port };
}

export function* pairs(obj) {
	for (const [key, value] of Object.entries(obj)) {
		yield [key, value];
	}
}

const pattern = /^(?<year>\d{4})-(?<month>\d{2})$/u;
export const year = (s) => s.match(pattern)?.groups.year;
let total = 0;
total ||= 1;
total &&= 2;
total ??= 3;
export default total;
