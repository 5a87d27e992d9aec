/**
 * The invite link as a QR code, drawn in the page (uqr encodes it; no service sees the link), so
 * a friend on a phone can point a camera at the screen and land in the room.
 */
import { encode } from 'uqr';

/** A canvas with `text` as a QR code, dark on white with the standard quiet zone, `pixels` across. */
export function qrCanvas(text: string, pixels = 160): HTMLCanvasElement {
  // A border of 4 modules: the quiet zone the standard asks for, so any camera app reads it.
  const { size, data } = encode(text, { ecc: 'M', border: 4 });
  const scale = Math.max(1, Math.floor(pixels / size));
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size * scale;
  canvas.className = 'qr';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `QR code of ${text}`);
  const g = canvas.getContext('2d');
  if (g === null) return canvas;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#0b132b';
  data.forEach((row, y) => row.forEach((dark, x) => dark && g.fillRect(x * scale, y * scale, scale, scale)));
  return canvas;
}
