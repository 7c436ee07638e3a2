/**
 * A picture of a panel as it is on screen, drawn by hand onto one canvas: the charts' SVGs (with
 * their computed colours written in, since CSS variables do not reach an SVG drawn as an image),
 * the grids' canvases, and every line of text at its place.
 */
import { saveFile } from '../shared/saveFile';

const SVG_STYLES = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray', 'opacity', 'font-size', 'font-family', 'font-weight'] as const;

function svgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((element, i) => {
    const style = getComputedStyle(element);
    const target = to[i] as SVGElement;
    for (const name of SVG_STYLES) target.style.setProperty(name, style.getPropertyValue(name));
  });
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const { width, height } = svg.getBoundingClientRect();
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)], { type: 'image/svg+xml' }));
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      URL.revokeObjectURL(url);
      resolve(image);
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('A chart could not be drawn into the picture.'));
    };
    image.src = url;
  });
}

/** Draws `panel` onto a canvas and hands it to the downloads as a PNG. */
export async function savePanelPng(panel: HTMLElement, name = 'gan-lab-comparison.png'): Promise<void> {
  const box = panel.getBoundingClientRect();
  const scale = Math.min(2, window.devicePixelRatio || 1);
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(box.width * scale);
  canvas.height = Math.ceil(box.height * scale);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('This browser cannot draw the picture: no 2D canvas.');
  context.scale(scale, scale);
  context.fillStyle = getComputedStyle(panel).backgroundColor || '#ffffff';
  context.fillRect(0, 0, box.width, box.height);
  const at = (element: Element) => {
    const r = element.getBoundingClientRect();
    return { x: r.left - box.left, y: r.top - box.top, width: r.width, height: r.height };
  };

  for (const svg of panel.querySelectorAll<SVGSVGElement>('svg.recharts-surface, svg.compare-surface')) {
    const { x, y, width, height } = at(svg);
    context.drawImage(await svgImage(svg), x, y, width, height);
  }
  for (const grid of panel.querySelectorAll('canvas')) {
    const { x, y, width, height } = at(grid);
    context.imageSmoothingEnabled = false;
    context.drawImage(grid, x, y, width, height);
  }
  for (const swatch of panel.querySelectorAll<HTMLElement>('.run-swatch')) {
    const { x, y, width, height } = at(swatch);
    context.fillStyle = getComputedStyle(swatch).backgroundColor;
    context.fillRect(x, y, width, height);
  }
  const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  context.textBaseline = 'top';
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const text = node.textContent?.trim();
    if (!parent || !text || parent.closest('svg')) continue;
    const style = getComputedStyle(parent);
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    context.fillStyle = style.color;
    const range = document.createRange();
    range.selectNodeContents(node);
    // A text wrapped over lines is drawn word by word, each where the page put it.
    const pieces = range.getClientRects().length > 1 ? [...(node.textContent ?? '').matchAll(/\S+/g)] : null;
    for (const piece of pieces ?? [null]) {
      if (piece) {
        range.setStart(node, piece.index);
        range.setEnd(node, piece.index + piece[0].length);
      }
      const r = range.getBoundingClientRect();
      if (r.width === 0) continue;
      context.fillText(piece ? piece[0] : text, r.left - box.left, r.top - box.top + 1, r.width + 4);
    }
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The picture could not be encoded as PNG.');
  saveFile(blob, name);
}
