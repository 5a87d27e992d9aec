/**
 * The HTML layer over the canvas: forms and buttons are real elements (typing a name or a code,
 * copying a link, and screen readers all work), laid out by CSS for phone-sized screens too.
 */
export interface Ui {
  /** Replace the panel's content. */
  show(...nodes: Node[]): void;
  hide(): void;
  /** A short message at the top, e.g. an error. Empty hides it. */
  toast(text: string): void;
  /** A message that stays until replaced or cleared (empty), e.g. "Reconnecting…". */
  banner(text: string): void;
  /** What the banner says now ('' when hidden). */
  readonly bannerText: string;
  root: HTMLElement;
}

export function createUi(parent: HTMLElement): Ui {
  const root = el('div', { className: 'ui' });
  const panel = el('div', { className: 'panel' });
  const toast = el('div', { className: 'toast', role: 'status' });
  const banner = el('div', { className: 'banner', role: 'status', 'data-testid': 'banner' });
  toast.hidden = true;
  banner.hidden = true;
  panel.hidden = true;
  root.append(banner, toast, panel);
  parent.append(root);
  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  return {
    root,
    show(...nodes) {
      panel.replaceChildren(...nodes);
      panel.hidden = false;
    },
    hide() {
      panel.replaceChildren();
      panel.hidden = true;
    },
    toast(text) {
      toast.textContent = text;
      toast.hidden = text === '';
      clearTimeout(toastTimer);
      if (text !== '') toastTimer = setTimeout(() => (toast.hidden = true), 6000);
    },
    banner(text) {
      banner.textContent = text;
      banner.hidden = text === '';
    },
    get bannerText() {
      return banner.textContent ?? '';
    },
  };
}

type Props = Partial<Pick<HTMLElement, 'className' | 'textContent' | 'title' | 'id'>> & { htmlFor?: string; role?: string; [attribute: `data-${string}`]: string };

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'role' || key.startsWith('data-')) node.setAttribute(key, String(value));
    else (node as unknown as Record<string, unknown>)[key] = value;
  }
  node.append(...children);
  return node;
}

export function button(label: string, onClick: () => void, options: { primary?: boolean; disabled?: boolean } = {}): HTMLButtonElement {
  const b = el('button', { className: options.primary === true ? 'primary' : '' }, label);
  b.type = 'button';
  b.disabled = options.disabled === true;
  b.addEventListener('click', onClick);
  return b;
}

export function input(label: string, value: string, options: { maxLength?: number; placeholder?: string; name: string }): { field: HTMLLabelElement; input: HTMLInputElement } {
  const field = el('label', {}, label);
  const i = el('input');
  i.name = options.name;
  i.value = value;
  i.maxLength = options.maxLength ?? 32;
  i.placeholder = options.placeholder ?? '';
  i.autocomplete = 'off';
  field.append(i);
  return { field, input: i };
}
