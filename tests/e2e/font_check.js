// Is Hangul drawn with real glyphs in this font, or as .notdef boxes ("tofu")?
// Draws each Hangul syllable of `text` on a canvas in `font` (enlarged to 48px) and compares its pixels with
// code points no font assigns (U+FFFF, U+10FFFD, U+E000), which the browser draws as the .notdef box.
// Without any Korean font (Debian's Chromium before `apt-get install fonts-nanum`) every syllable matches.
(args) => {
  const {font, text} = args;
  const size = 48;
  const canvas = document.createElement('canvas');
  canvas.width = 2 * size;
  canvas.height = 2 * size;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.font = font.replace(/\b\d+(\.\d+)?px\b/, size + 'px');
  const draw = (ch) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'middle';
    ctx.fillText(ch, size / 4, size);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let ink = 0, sig = 0;
    for (let i = 3; i < data.length; i += 4) {
      if (data[i]) { ink++; sig = (Math.imul(sig, 31) + i * data[i]) >>> 0; }
    }
    return {ink, sig, width: ctx.measureText(ch).width};
  };
  const refs = ['\uFFFF', '\u{10FFFD}', '\uE000'].map(draw);
  const hangul = [...new Set([...text].filter(c => /[\uAC00-\uD7A3]/.test(c)))];
  const glyphs = hangul.map(c => ({c, ...draw(c)}));
  const same = (a, b) => a.ink === b.ink && a.sig === b.sig;
  const tofu = glyphs.filter(g => g.ink === 0 || refs.some(r => same(r, g))).map(g => g.c);
  const distinct = new Set(glyphs.map(g => g.ink + ':' + g.sig)).size;
  return {font: ctx.font, refs, glyphs, tofu, allIdentical: glyphs.length > 1 && distinct === 1};
}
