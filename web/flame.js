// flame.js: the icicle graph of the core's folded output (`-f folded`:
// "process;thread;root;...;leaf VALUE" lines). parseFolded() builds the tree
// (pure, testable in Node); renderIcicle() draws it as plain SVG with zoom
// on click, hover details and keyboard navigation.

/** The tree of folded text: {name, value, children: Map}; the root is "all". */
export function parseFolded(text) {
  const root = { name: 'all', value: 0, children: new Map(), parent: null, depth: 0 };
  for (const line of text.split('\n')) {
    const space = line.lastIndexOf(' ');
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (!Number.isFinite(value) || value <= 0) continue;
    root.value += value;
    let node = root;
    for (const frame of line.slice(0, space).split(';')) {
      let child = node.children.get(frame);
      if (!child) {
        child = { name: frame, value: 0, children: new Map(), parent: node, depth: node.depth + 1 };
        node.children.set(frame, child);
      }
      child.value += value;
      node = child;
    }
  }
  return root;
}

/** Children sorted widest first (name on ties), as drawn. */
export function sortedChildren(node) {
  return [...node.children.values()].sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1));
}

const SVG = 'http://www.w3.org/2000/svg';
const ROW = 18;

function hue(name, depth) {
  if (depth === 1) return 'var(--flame-process)';
  if (depth === 2) return 'var(--flame-thread)';
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `hsl(${20 + (h % 40)}, 75%, ${55 + (h % 15)}%)`;
}

/**
 * Draws tree into the container (an element) for the view rooted at `focus`
 * (a node of the tree); format(value) formats values; onSelect(node) is told
 * of the node hovered or selected by keyboard.
 */
export function renderIcicle(container, tree, { focus = tree, format = String, onSelect = () => {}, selected = null } = {}) {
  container.textContent = '';
  const width = Math.max(container.clientWidth || 800, 200);
  let depth = 0;
  const layout = [];
  // The focus' ancestors take the full width; below it, children share their parent's width.
  const ancestors = [];
  for (let n = focus; n; n = n.parent) ancestors.unshift(n);
  ancestors.forEach((n, i) => layout.push({ node: n, x: 0, w: width, y: i }));
  const walk = (node, x, w, y) => {
    depth = Math.max(depth, y);
    let cx = x;
    for (const child of sortedChildren(node)) {
      const cw = (child.value / node.value) * w;
      if (cw >= 1) {
        layout.push({ node: child, x: cx, w: cw, y });
        walk(child, cx, cw, y + 1);
      }
      cx += cw;
    }
  };
  walk(focus, 0, width, ancestors.length);
  depth = Math.max(depth, ancestors.length - 1);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String((depth + 1) * ROW));
  svg.setAttribute('role', 'tree');
  svg.setAttribute('aria-label', 'flame graph: arrow keys move, Enter zooms, Escape zooms out');
  svg.setAttribute('tabindex', '0');
  svg.classList.add('icicle');
  const byNode = new Map();
  for (const { node, x, w, y } of layout) {
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('transform', `translate(${x.toFixed(2)},${y * ROW})`);
    g.setAttribute('role', 'treeitem');
    g.dataset.name = node.name;
    g.dataset.value = String(node.value);
    g.dataset.depth = String(node.depth);
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('width', Math.max(w - 0.5, 0.5).toFixed(2));
    rect.setAttribute('height', String(ROW - 1));
    rect.setAttribute('fill', node.depth === 0 ? 'var(--flame-root)' : hue(node.name, node.depth));
    if (node === selected) rect.classList.add('selected');
    const title = document.createElementNS(SVG, 'title');
    title.textContent = `${node.name}: ${format(node.value)} (${((node.value / tree.value) * 100).toFixed(2)}%)`;
    g.append(title, rect);
    if (w > 30) {
      const label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', '3');
      label.setAttribute('y', String(ROW - 5));
      const chars = Math.floor((w - 6) / 6.5);
      label.textContent = node.name.length > chars ? `${node.name.slice(0, Math.max(chars - 1, 1))}…` : node.name;
      g.append(label);
    }
    g.addEventListener('mouseenter', () => onSelect(node, 'hover'));
    g.addEventListener('click', () => onSelect(node, 'zoom'));
    byNode.set(node, g);
    svg.append(g);
  }
  svg.addEventListener('keydown', (event) => {
    const current = selected && byNode.has(selected) ? selected : focus;
    let next = null;
    if (event.key === 'ArrowDown') next = sortedChildren(current)[0];
    else if (event.key === 'ArrowUp') next = current.parent;
    else if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      const siblings = current.parent ? sortedChildren(current.parent) : [current];
      next = siblings[siblings.indexOf(current) + (event.key === 'ArrowRight' ? 1 : -1)];
    } else if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); onSelect(current, 'zoom'); return; }
    else if (event.key === 'Escape') { event.preventDefault(); onSelect(focus.parent ?? tree, 'zoom'); return; }
    else return;
    event.preventDefault();
    if (next && byNode.has(next)) onSelect(next, 'key');
  });
  container.append(svg);
  return svg;
}
