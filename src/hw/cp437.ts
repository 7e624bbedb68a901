// IBM PC code page 437: the glyphs of the PC's character ROM (and of the font a VGA BIOS loads),
// as Unicode. Codes 0x00–0x1F and 0x7F are drawn as pictures (☺, ♥, ↑, ⌂ …) on a PC screen, not
// as control characters, so they map to those pictures here; 0x00 (an empty cell) maps to a space
// and 0xFF to a no-break space. Source: IBM Personal Computer Technical Reference, character set
// table, and the Unicode consortium's mapping of code page 437.

const CONTROL_PICTURES = ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼';
const UPPER_HALF =
  'ÇüéâäàåçêëèïîìÄÅ' +
  'ÉæÆôöòûùÿÖÜ¢£¥₧ƒ' +
  'áíóúñÑªº¿⌐¬½¼¡«»' +
  '░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧' +
  '╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩' +
  '≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function buildTable(): string[] {
  const table: string[] = [...CONTROL_PICTURES];
  for (let code = 0x20; code < 0x7f; code++) table.push(String.fromCharCode(code));
  table.push('⌂');
  table.push(...UPPER_HALF);
  if (table.length !== 256) throw new Error(`code page 437 table has ${table.length} entries instead of 256`);
  return table;
}

/** The Unicode character for each of the 256 codes of code page 437. */
export const CP437_TO_UNICODE: readonly string[] = Object.freeze(buildTable());

/** The Unicode character a PC screen shows for `code` (taken modulo 256). */
export function cp437ToUnicode(code: number): string {
  return CP437_TO_UNICODE[code & 0xff];
}
