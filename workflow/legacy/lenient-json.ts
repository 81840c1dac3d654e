// What JSON did a chat model answer? The legacy's lenient parse: plain JSON, a fenced block, or the outermost braces.

/** Returns the first of: `text` as JSON, the first fenced block as JSON, the text from the first `{` to the last `}` as JSON; else null. */
export function parseLeniently(text: string): unknown | null {
  const attempt = (candidate: string): { value: unknown } | null => {
    try {
      return { value: JSON.parse(candidate) };
    } catch {
      return null;
    }
  };
  const whole = attempt(text);
  if (whole) return whole.value;
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fenced?.[1]) {
    const inner = attempt(fenced[1]);
    if (inner) return inner.value;
  }
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start !== -1 && end > start) {
    const braces = attempt(text.slice(start, end + 1));
    if (braces) return braces.value;
  }
  return null;
}
