/** The DOM helpers of the dashboard's pages (the fleet page, the coverage page). */

/** The page's element with that id; a page without it is a bug in the page, said plainly. */
export function byId(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

export type Child = Node | string | number;

/** An element with a class and children (text for strings and numbers). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
