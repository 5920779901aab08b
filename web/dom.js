// Elements as the pages make them: every string put in as text or an attribute, never
// as markup.

/** `<tag attributes…>children…</tag>`; children are nodes or strings (text). */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** A button that does `action` when clicked. */
export function button(text, action) {
  const node = element("button", { type: "button" }, text);
  node.addEventListener("click", action);
  return node;
}

/** A form's submit button. */
export function submit(text) {
  return element("button", { type: "submit" }, text);
}

/** A text field. */
export function input(name, placeholder) {
  return element("input", { name, placeholder, autocomplete: "off" });
}

/** A choice among `choices` (values, or [value, label] pairs), `chosen` selected. */
export function select(name, choices, chosen) {
  const node = element("select", { name });
  for (const choice of choices) {
    const [value, label] = Array.isArray(choice) ? choice : [choice, choice];
    node.append(element("option", { value }, label));
  }
  node.value = chosen;
  return node;
}
