/**
 * Strict checks of Block Kit payloads against Slack's documented limits and the bot's escaping rules.
 * A failed check throws an Error listing every problem with its path (e.g. `blocks[1].fields[3].text`).
 */

export const BLOCK_KIT_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  blockId: 255,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonAccessibilityLabel: 75,
  actionId: 255,
  buttonValue: 2000,
  url: 3000,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  options: 100,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  checkboxOptions: 10,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  imageUrl: 3000,
  altText: 2000,
} as const;

const BLOCK_KEYS: Record<string, readonly string[]> = {
  header: ['type', 'block_id', 'text'],
  section: ['type', 'block_id', 'text', 'fields', 'accessory', 'expand'],
  context: ['type', 'block_id', 'elements'],
  actions: ['type', 'block_id', 'elements'],
  divider: ['type', 'block_id'],
  image: ['type', 'block_id', 'alt_text', 'title', 'image_url', 'slack_file'],
  input: ['type', 'block_id', 'label', 'element', 'hint', 'optional', 'dispatch_action'],
};

const ELEMENT_KEYS: Record<string, readonly string[]> = {
  button: ['type', 'text', 'action_id', 'value', 'url', 'style', 'confirm', 'accessibility_label'],
  plain_text_input: [
    'type',
    'action_id',
    'placeholder',
    'initial_value',
    'multiline',
    'min_length',
    'max_length',
    'dispatch_action_config',
    'focus_on_load',
  ],
  static_select: ['type', 'action_id', 'placeholder', 'options', 'option_groups', 'initial_option', 'confirm', 'focus_on_load'],
  multi_static_select: [
    'type',
    'action_id',
    'placeholder',
    'options',
    'option_groups',
    'initial_options',
    'confirm',
    'max_selected_items',
    'focus_on_load',
  ],
  checkboxes: ['type', 'action_id', 'options', 'initial_options', 'confirm', 'focus_on_load'],
  radio_buttons: ['type', 'action_id', 'options', 'initial_option', 'confirm', 'focus_on_load'],
  overflow: ['type', 'action_id', 'options', 'confirm'],
  users_select: ['type', 'action_id', 'placeholder', 'initial_user', 'confirm', 'focus_on_load'],
};

const INTERACTIVE_IN_ACTIONS = new Set([
  'button',
  'static_select',
  'multi_static_select',
  'checkboxes',
  'radio_buttons',
  'overflow',
  'users_select',
]);
const ACCESSORY_TYPES = new Set([
  'button',
  'static_select',
  'multi_static_select',
  'checkboxes',
  'radio_buttons',
  'overflow',
  'image',
  'users_select',
]);
const INPUT_ELEMENTS = new Set(['plain_text_input', 'static_select', 'multi_static_select', 'checkboxes', 'radio_buttons', 'users_select']);
const TEXT_KEYS = ['type', 'text', 'emoji', 'verbatim'];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function checkKeys(p: Problems, path: string, obj: Json, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) p.add(path, `unexpected property "${key}"`);
}

function checkString(p: Problems, path: string, value: unknown, max: number, required: boolean): value is string {
  if (value === undefined) {
    if (required) p.add(path, 'is required');
    return false;
  }
  if (typeof value !== 'string') {
    p.add(path, `must be a string, got ${typeof value}`);
    return false;
  }
  if (value.length === 0) p.add(path, 'must not be empty');
  if (value.length > max) p.add(path, `is ${value.length} characters, over the limit of ${max}`);
  return true;
}

function checkText(p: Problems, path: string, value: unknown, max: number, kinds: readonly ('plain_text' | 'mrkdwn')[]): void {
  if (!isObject(value)) {
    p.add(path, 'must be a text object');
    return;
  }
  checkKeys(p, path, value, TEXT_KEYS);
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
    p.add(`${path}.type`, `must be plain_text or mrkdwn, got ${JSON.stringify(value.type)}`);
    return;
  }
  if (!kinds.includes(value.type)) p.add(`${path}.type`, `must be ${kinds.join(' or ')}, got ${value.type}`);
  if (typeof value.text !== 'string') {
    p.add(`${path}.text`, 'must be a string');
    return;
  }
  if (value.text.trim() === '') p.add(`${path}.text`, 'must not be empty or blank');
  if (value.text.length > max)
    p.add(`${path}.text`, `is ${value.text.length} characters, over the limit of ${max}: ${preview(value.text)}`);
  if (value.emoji !== undefined && (value.type !== 'plain_text' || typeof value.emoji !== 'boolean')) {
    p.add(`${path}.emoji`, 'is only a boolean on plain_text');
  }
  if (value.verbatim !== undefined && (value.type !== 'mrkdwn' || typeof value.verbatim !== 'boolean')) {
    p.add(`${path}.verbatim`, 'is only a boolean on mrkdwn');
  }
}

function checkUrl(p: Problems, path: string, value: unknown, max: number): void {
  if (!checkString(p, path, value, max, false)) return;
  if (!/^https:\/\/[^\s]+$/.test(value)) p.add(path, `must be an https URL without whitespace: ${preview(value)}`);
  else {
    try {
      new URL(value);
    } catch {
      p.add(path, `is not a valid URL: ${preview(value)}`);
    }
  }
}

function checkConfirm(p: Problems, path: string, value: unknown): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    p.add(path, 'must be a confirmation dialog object');
    return;
  }
  checkKeys(p, path, value, ['title', 'text', 'confirm', 'deny', 'style']);
  checkText(p, `${path}.title`, value.title, BLOCK_KIT_LIMITS.confirmTitle, ['plain_text']);
  checkText(p, `${path}.text`, value.text, BLOCK_KIT_LIMITS.confirmText, ['plain_text', 'mrkdwn']);
  checkText(p, `${path}.confirm`, value.confirm, BLOCK_KIT_LIMITS.confirmButton, ['plain_text']);
  checkText(p, `${path}.deny`, value.deny, BLOCK_KIT_LIMITS.confirmButton, ['plain_text']);
  if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger')
    p.add(`${path}.style`, 'must be primary or danger');
}

function checkOptions(p: Problems, path: string, value: unknown, max: number, textKinds: readonly ('plain_text' | 'mrkdwn')[]): void {
  if (!Array.isArray(value)) {
    p.add(path, 'must be an array of options');
    return;
  }
  if (value.length === 0) p.add(path, 'must not be empty');
  if (value.length > max) p.add(path, `has ${value.length} options, over the limit of ${max}`);
  const values = new Set<string>();
  value.forEach((option: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(option)) {
      p.add(at, 'must be an option object');
      return;
    }
    checkKeys(p, at, option, ['text', 'value', 'description', 'url']);
    checkText(p, `${at}.text`, option.text, BLOCK_KIT_LIMITS.optionText, textKinds);
    if (checkString(p, `${at}.value`, option.value, BLOCK_KIT_LIMITS.optionValue, true)) {
      if (values.has(option.value)) p.add(`${at}.value`, `duplicates another option's value ${preview(option.value)}`);
      values.add(option.value);
    }
    if (option.description !== undefined)
      checkText(p, `${at}.description`, option.description, BLOCK_KIT_LIMITS.optionDescription, textKinds);
    if (option.url !== undefined) checkUrl(p, `${at}.url`, option.url, BLOCK_KIT_LIMITS.url);
  });
}

function checkElement(p: Problems, path: string, el: unknown, allowedTypes: ReadonlySet<string>, actionIds: Set<string>): void {
  if (!isObject(el)) {
    p.add(path, 'must be an element object');
    return;
  }
  const type = typeof el.type === 'string' ? el.type : '';
  if (!allowedTypes.has(type)) {
    p.add(`${path}.type`, `element type ${JSON.stringify(el.type)} is not allowed here (allowed: ${[...allowedTypes].join(', ')})`);
    return;
  }
  if (type === 'image') {
    checkKeys(p, path, el, ['type', 'image_url', 'alt_text', 'slack_file']);
    checkUrl(p, `${path}.image_url`, el.image_url, BLOCK_KIT_LIMITS.imageUrl);
    checkString(p, `${path}.alt_text`, el.alt_text, BLOCK_KIT_LIMITS.altText, true);
    return;
  }
  checkKeys(p, path, el, ELEMENT_KEYS[type] ?? []);
  if (checkString(p, `${path}.action_id`, el.action_id, BLOCK_KIT_LIMITS.actionId, true)) {
    if (actionIds.has(el.action_id)) p.add(`${path}.action_id`, `duplicates action_id ${preview(el.action_id)} in the same block`);
    actionIds.add(el.action_id);
  }
  checkConfirm(p, `${path}.confirm`, el.confirm);
  if (el.placeholder !== undefined) checkText(p, `${path}.placeholder`, el.placeholder, BLOCK_KIT_LIMITS.placeholder, ['plain_text']);
  switch (type) {
    case 'button':
      checkText(p, `${path}.text`, el.text, BLOCK_KIT_LIMITS.buttonText, ['plain_text']);
      checkString(p, `${path}.value`, el.value, BLOCK_KIT_LIMITS.buttonValue, false);
      checkUrl(p, `${path}.url`, el.url, BLOCK_KIT_LIMITS.url);
      checkString(p, `${path}.accessibility_label`, el.accessibility_label, BLOCK_KIT_LIMITS.buttonAccessibilityLabel, false);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') p.add(`${path}.style`, 'must be primary or danger');
      break;
    case 'static_select':
    case 'multi_static_select':
      if (el.option_groups === undefined) checkOptions(p, `${path}.options`, el.options, BLOCK_KIT_LIMITS.options, ['plain_text']);
      break;
    case 'overflow':
      checkOptions(p, `${path}.options`, el.options, 5, ['plain_text']);
      break;
    case 'checkboxes':
    case 'radio_buttons':
      checkOptions(p, `${path}.options`, el.options, BLOCK_KIT_LIMITS.checkboxOptions, ['plain_text', 'mrkdwn']);
      break;
    case 'plain_text_input':
      if (el.initial_value !== undefined && typeof el.initial_value !== 'string') p.add(`${path}.initial_value`, 'must be a string');
      if (el.max_length !== undefined && (typeof el.max_length !== 'number' || el.max_length < 1 || el.max_length > 3000)) {
        p.add(`${path}.max_length`, 'must be 1–3000');
      }
      break;
  }
}

function checkBlock(p: Problems, path: string, block: unknown, blockIds: Set<string>): void {
  if (!isObject(block)) {
    p.add(path, 'must be a block object');
    return;
  }
  const type = typeof block.type === 'string' ? block.type : '';
  const keys = BLOCK_KEYS[type];
  if (!keys) {
    p.add(`${path}.type`, `unknown block type ${JSON.stringify(block.type)}`);
    return;
  }
  checkKeys(p, path, block, keys);
  if (checkString(p, `${path}.block_id`, block.block_id, BLOCK_KIT_LIMITS.blockId, false)) {
    if (blockIds.has(block.block_id)) p.add(`${path}.block_id`, `duplicates block_id ${preview(block.block_id)}`);
    blockIds.add(block.block_id);
  }
  const actionIds = new Set<string>();
  switch (type) {
    case 'header':
      checkText(p, `${path}.text`, block.text, BLOCK_KIT_LIMITS.headerText, ['plain_text']);
      break;
    case 'section': {
      if (block.text === undefined && block.fields === undefined) p.add(path, 'needs text or fields');
      if (block.text !== undefined) checkText(p, `${path}.text`, block.text, BLOCK_KIT_LIMITS.sectionText, ['plain_text', 'mrkdwn']);
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) p.add(`${path}.fields`, 'must be an array');
        else {
          if (block.fields.length === 0) p.add(`${path}.fields`, 'must not be empty');
          if (block.fields.length > BLOCK_KIT_LIMITS.fields) {
            p.add(`${path}.fields`, `has ${block.fields.length} fields, over the limit of ${BLOCK_KIT_LIMITS.fields}`);
          }
          block.fields.forEach((f: unknown, i) =>
            checkText(p, `${path}.fields[${i}]`, f, BLOCK_KIT_LIMITS.fieldText, ['plain_text', 'mrkdwn']),
          );
        }
      }
      if (block.accessory !== undefined) checkElement(p, `${path}.accessory`, block.accessory, ACCESSORY_TYPES, actionIds);
      if (block.expand !== undefined && typeof block.expand !== 'boolean') p.add(`${path}.expand`, 'must be a boolean');
      break;
    }
    case 'context': {
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        p.add(`${path}.elements`, 'must be a non-empty array');
        break;
      }
      if (block.elements.length > BLOCK_KIT_LIMITS.contextElements) {
        p.add(`${path}.elements`, `has ${block.elements.length} elements, over the limit of ${BLOCK_KIT_LIMITS.contextElements}`);
      }
      block.elements.forEach((el: unknown, i) => {
        const at = `${path}.elements[${i}]`;
        if (isObject(el) && el.type === 'image') checkElement(p, at, el, new Set(['image']), actionIds);
        else checkText(p, at, el, BLOCK_KIT_LIMITS.contextText, ['plain_text', 'mrkdwn']);
      });
      break;
    }
    case 'actions': {
      if (!Array.isArray(block.elements) || block.elements.length === 0) {
        p.add(`${path}.elements`, 'must be a non-empty array');
        break;
      }
      if (block.elements.length > BLOCK_KIT_LIMITS.actionsElements) {
        p.add(`${path}.elements`, `has ${block.elements.length} elements, over the limit of ${BLOCK_KIT_LIMITS.actionsElements}`);
      }
      block.elements.forEach((el: unknown, i) => checkElement(p, `${path}.elements[${i}]`, el, INTERACTIVE_IN_ACTIONS, actionIds));
      break;
    }
    case 'image': {
      // Exactly one source: a public URL, or a Slack file (by ID or URL, one of the two) that the poster can see.
      checkString(p, `${path}.alt_text`, block.alt_text, BLOCK_KIT_LIMITS.altText, true);
      if (block.title !== undefined) checkText(p, `${path}.title`, block.title, BLOCK_KIT_LIMITS.altText, ['plain_text']);
      if ((block.image_url === undefined) === (block.slack_file === undefined))
        p.add(path, 'needs exactly one of image_url and slack_file');
      checkUrl(p, `${path}.image_url`, block.image_url, BLOCK_KIT_LIMITS.imageUrl);
      if (block.slack_file !== undefined) {
        const file = block.slack_file;
        if (!isObject(file) || (file.id === undefined) === (file.url === undefined))
          p.add(`${path}.slack_file`, 'needs exactly one of id and url');
        else if (file.id !== undefined && (typeof file.id !== 'string' || !/^F[A-Z0-9]{8,}$/.test(file.id)))
          p.add(`${path}.slack_file.id`, 'must match ^F[A-Z0-9]{8,}$');
      }
      break;
    }
    case 'input':
      checkText(p, `${path}.label`, block.label, BLOCK_KIT_LIMITS.inputLabel, ['plain_text']);
      if (block.hint !== undefined) checkText(p, `${path}.hint`, block.hint, BLOCK_KIT_LIMITS.inputHint, ['plain_text']);
      if (block.optional !== undefined && typeof block.optional !== 'boolean') p.add(`${path}.optional`, 'must be a boolean');
      if (block.element === undefined) p.add(`${path}.element`, 'is required');
      else checkElement(p, `${path}.element`, block.element, INPUT_ELEMENTS, actionIds);
      break;
  }
}

/** Throws when `blocks` break one of Slack's Block Kit limits or structural rules. */
export function assertValidMessage(blocks: unknown[], opts: { modal?: boolean; home?: boolean } = {}): void {
  const p = new Problems();
  if (!Array.isArray(blocks)) {
    throw new Error('Invalid Block Kit message:\n  - blocks: must be an array');
  }
  // A Home tab view has the same 100-block limit as a modal.
  const max = opts.modal || opts.home ? BLOCK_KIT_LIMITS.blocksPerModal : BLOCK_KIT_LIMITS.blocksPerMessage;
  if (blocks.length === 0) p.add('blocks', 'must contain at least one block');
  if (blocks.length > max)
    p.add('blocks', `has ${blocks.length} blocks, over the limit of ${max}${opts.modal ? ' (modal)' : opts.home ? ' (home)' : ''}`);
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => checkBlock(p, `blocks[${i}]`, block, blockIds));
  if (p.list.length > 0) {
    throw new Error(
      `Invalid Block Kit ${opts.modal ? 'modal' : 'message'} (${p.list.length} problem${p.list.length > 1 ? 's' : ''}):\n  - ${p.list.join('\n  - ')}`,
    );
  }
}

export interface CollectedText {
  path: string;
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

/** Every text object (plain_text or mrkdwn) anywhere in the blocks, with its path. */
export function collectTexts(blocks: unknown): CollectedText[] {
  const out: CollectedText[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, `${path}[${i}]`));
      return;
    }
    if (!isObject(node)) return;
    if ((node.type === 'plain_text' || node.type === 'mrkdwn') && typeof node.text === 'string') {
      out.push({ path, type: node.type, text: node.text });
      return;
    }
    for (const [key, child] of Object.entries(node)) walk(child, `${path}.${key}`);
  };
  walk(blocks, 'blocks');
  return out;
}

const USER_MENTION = /^<@[UW][A-Z0-9]{2,}>/;
const LINK = /^<https:\/\/[^\s<>|]+\|[^<>|\n]+>/;
const ENTITY = /^&(amp|lt|gt);/;

function excerpt(text: string, from: number, stop: string): string {
  const end = text.indexOf(stop, from + 1);
  const cut = end === -1 || end - from > 60 ? Math.min(text.length, from + 60) : end + 1;
  return text.slice(from, cut);
}

/**
 * The first unescaped construct in an mrkdwn string: a `<` that does not open one of the bot's own
 * user mentions (`<@U…>`, `<@W…>`) or labelled https links (`<https://…|label>`), or a raw `&` that
 * does not start `&amp;`, `&lt;` or `&gt;`. Undefined when the string is clean.
 */
export function findUnescaped(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '<') {
      const rest = text.slice(i);
      if (USER_MENTION.test(rest) || LINK.test(rest)) continue;
      return excerpt(text, i, '>');
    }
    if (ch === '&' && !ENTITY.test(text.slice(i, i + 5))) return excerpt(text, i, ';');
  }
  return undefined;
}

/** Throws when any mrkdwn text in the blocks contains something findUnescaped reports. */
export function assertNoUnescaped(blocks: unknown): void {
  const problems = collectTexts(blocks)
    .filter((t) => t.type === 'mrkdwn')
    .flatMap((t) => {
      const bad = findUnescaped(t.text);
      return bad === undefined ? [] : [`${t.path}: unescaped ${JSON.stringify(bad)} in ${preview(t.text)}`];
    });
  if (problems.length > 0) throw new Error(`Unescaped mrkdwn (${problems.length}):\n  - ${problems.join('\n  - ')}`);
}
