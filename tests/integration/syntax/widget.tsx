import { useState } from "react";

type Props = { title: string; items: readonly string[] };

export function List({ title, items }: Props) {
	const [open, setOpen] = useState(false);
	if (!items.length) {
		return null;
	}
	return (
		<section className="list">
			<h2 onClick={() => setOpen(!open)}>{title}</h2>
			{open && (
				<ul>
					{items.map((item) => (
						<li key={item}>{item}</li>
					))}
				</ul>
			)}
		</section>
	);
}

export const Generic = <T,>(props: { value: T }) => <span>{String(props.value)}</span>;
