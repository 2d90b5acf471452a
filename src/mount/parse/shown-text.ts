/**
 * A name or field value as quoted in an error message. A pod may write a megabyte where a name
 * goes; the message (a pod event, a log line) shows enough to find it, not all of it.
 */
const MAX_SHOWN_CHARACTERS = 100;

export function shownText(text: string): string {
  return JSON.stringify(text.length > MAX_SHOWN_CHARACTERS ? `${text.slice(0, MAX_SHOWN_CHARACTERS)}…` : text);
}
