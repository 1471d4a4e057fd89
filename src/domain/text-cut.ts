/**
 * Cutting text to a length without splitting a character: JavaScript strings are UTF-16, so a
 * plain `slice` can keep the first half of a surrogate pair (an emoji, say) — a lone surrogate,
 * which UTF-8 cannot encode and PostgreSQL refuses in `jsonb`.
 */

/** `text` cut to at most `max` UTF-16 units, never between the two halves of a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const last = text.charCodeAt(max - 1);
  // A high surrogate as the last unit kept: its low half would be cut off, so drop it too.
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, max - 1) : text.slice(0, max);
}
