// Document ids in the pages' addresses: each segment percent-encoded, the slashes kept
// (the server decodes them segment by segment, docs/protocol.md).

/** Document `id` as it goes after `/d/` or an API's prefix. */
export function documentPath(id) {
  return id.split("/").map(encodeURIComponent).join("/");
}

/** The document the page's address names (`/d/DOC`), or null for another page. */
export function documentAt(location) {
  const path = decodeURIComponent(location.pathname);
  return path.startsWith("/d/") ? path.slice(3) : null;
}
