// Times as the pages show them: in the reader's locale and time zone, through one
// formatter (making one per date, as toLocaleString does, is slow for long lists). Made
// when first needed: making it takes tens of milliseconds the page's first view need not wait.

let format = null;

/** A time given as milliseconds since the epoch or as an ISO-8601 string. */
export function shownTime(time) {
  format ??= new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  return format.format(new Date(time));
}
