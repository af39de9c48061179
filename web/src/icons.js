// Inline SVG icons for the page's buttons: no icon font or emoji, so they render the same on every
// browser (a stock Debian Chromium has no colour-emoji font and drew the old 🔇 as an empty box).
// Each is a 20×20 stroke drawing in currentColor.
const svg = (body) => `<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" `
  + `fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;
const speaker = '<path d="M4 9h4l5-4v14l-5-4H4z"/>';

export const ICONS = {
  muted: svg(`${speaker}<path d="M17 9l5 6M22 9l-5 6"/>`),
  sound: svg(`${speaker}<path d="M16 9a4 4 0 0 1 0 6M19 6a8 8 0 0 1 0 12"/>`),
  keyboard: svg('<rect x="2" y="6" width="20" height="12" rx="2"/><path d="M6 10h0M10 10h0M14 10h0M18 10h0M7 14h10"/>'),
  selftest: svg('<path d="M3 17a9 9 0 0 1 18 0"/><path d="M12 17l4-6"/><circle cx="12" cy="17" r="1"/>'),
};

/** Sets a button's icon (its accessible name stays in title/aria-label). */
export function setIcon(button, name) {
  button.innerHTML = ICONS[name];
}
