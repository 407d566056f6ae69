export const MAX_TICKET_PATTERN_LENGTH = 200;
/** Tickets are short references; bounding the input bounds the cost of any pattern. */
export const MAX_TICKET_LENGTH = 64;
/** More repeating quantifiers than this can backtrack polynomially to a painful degree even on short input. */
export const MAX_REPEATING_QUANTIFIERS = 4;

/** Why a policy's ticket pattern is unsafe or invalid, or null when it can be used. */
export function ticketPatternProblem(pattern: string): string | null {
  if (pattern.length === 0) return "must not be empty (leave pattern out to accept any ticket)";
  if (pattern.length > MAX_TICKET_PATTERN_LENGTH) return `must be at most ${MAX_TICKET_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern);
  } catch (error) {
    return `is not a valid regular expression (${(error as Error).message})`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return "must not use backreferences";
  const anchoring = anchoringProblem(pattern);
  if (anchoring) return anchoring;
  const shape = scanQuantifiers(pattern);
  if (shape.nestedRepetition)
    return "must not repeat a group that contains a quantifier or an alternation, e.g. (a+)+, (a?){9} or (a|b)*: such patterns can backtrack catastrophically";
  if (shape.repeatingQuantifiers > MAX_REPEATING_QUANTIFIERS)
    return `must use at most ${MAX_REPEATING_QUANTIFIERS} repeating quantifiers (*, +, {n,m})`;
  return null;
}

const compiled = new Map<string, RegExp>();

/** Whole-string match; patterns are required to be anchored at load and are wrapped in ^(?:…)$ here as well, in case one slips through. */
export function ticketMatches(pattern: string, ticket: string): boolean {
  if (ticket.length > MAX_TICKET_LENGTH) return false;
  let regex = compiled.get(pattern);
  if (!regex) {
    if (ticketPatternProblem(pattern) !== null) return false;
    regex = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, regex);
  }
  return regex.test(ticket);
}

// A pattern that is not anchored at both ends, or whose top-level "|" splits the anchors (^A|B$), accepts "PAY-1; drop".
function anchoringProblem(pattern: string): string | null {
  const endsWithUnescapedDollar = /(?:^|[^\\])(?:\\\\)*\$$/.test(pattern);
  if (!pattern.startsWith("^") || !endsWithUnescapedDollar)
    return 'must be anchored: start with ^ and end with $, e.g. "^PAY-[0-9]+$"';
  if (hasTopLevelAlternation(pattern))
    return 'a top-level "|" escapes the anchors: group the alternatives, e.g. "^(?:PAY|OPS)-[0-9]+$"';
  return null;
}

function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === "\\") i += 2;
    else if (char === "[") i = skipCharacterClass(pattern, i);
    else {
      if (char === "(") depth += 1;
      else if (char === ")") depth -= 1;
      else if (char === "|" && depth === 0) return true;
      i += 1;
    }
  }
  return false;
}

interface GroupFrame {
  containsQuantifier: boolean;
  containsAlternation: boolean;
}

// A small scanner, not a full parser: it only needs to find quantifiers and which group each one applies to.
function scanQuantifiers(pattern: string): { nestedRepetition: boolean; repeatingQuantifiers: number } {
  const stack: GroupFrame[] = [{ containsQuantifier: false, containsAlternation: false }];
  let closedGroup: GroupFrame | null = null;
  let repeatingQuantifiers = 0;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i]!;
    const top = stack[stack.length - 1]!;
    const quantifier = readQuantifier(pattern, i);
    if (quantifier) {
      // Even an optional part inside a repeated group is ambiguous: (a?){25}a{25} backtracks 2^25 times.
      if (quantifier.repeats && closedGroup && (closedGroup.containsQuantifier || closedGroup.containsAlternation))
        return { nestedRepetition: true, repeatingQuantifiers };
      if (quantifier.repeats) repeatingQuantifiers += 1;
      top.containsQuantifier = true;
      i += quantifier.length;
      if (pattern[i] === "?") i += 1;
      closedGroup = null;
      continue;
    }
    closedGroup = null;
    if (char === "\\") {
      i += 2;
    } else if (char === "[") {
      i = skipCharacterClass(pattern, i);
    } else if (char === "(") {
      stack.push({ containsQuantifier: false, containsAlternation: false });
      i = skipGroupPrefix(pattern, i + 1);
    } else if (char === ")") {
      const frame = stack.length > 1 ? stack.pop()! : top;
      const parent = stack[stack.length - 1]!;
      parent.containsQuantifier ||= frame.containsQuantifier;
      parent.containsAlternation ||= frame.containsAlternation;
      closedGroup = frame;
      i += 1;
    } else if (char === "|") {
      top.containsAlternation = true;
      i += 1;
    } else {
      i += 1;
    }
  }
  return { nestedRepetition: false, repeatingQuantifiers };
}

function readQuantifier(pattern: string, at: number): { length: number; repeats: boolean } | null {
  const char = pattern[at];
  if (char === "*" || char === "+") return { length: 1, repeats: true };
  if (char === "?") return { length: 1, repeats: false };
  if (char !== "{") return null;
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
  if (!match) return null;
  const upper =
    match[2] === undefined ? Number(match[1]) : match[3] === "" ? Number.POSITIVE_INFINITY : Number(match[3]);
  return { length: match[0].length, repeats: upper > 1 };
}

function skipCharacterClass(pattern: string, openAt: number): number {
  let i = openAt + 1;
  if (pattern[i] === "^") i += 1;
  while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
  return i + 1;
}

function skipGroupPrefix(pattern: string, afterParen: number): number {
  if (pattern[afterParen] !== "?") return afterParen;
  const rest = pattern.slice(afterParen);
  const named = /^\?<[A-Za-z_$][\w$]*>/.exec(rest);
  if (named) return afterParen + named[0].length;
  const lookaround = /^\?(?:<=|<!|=|!|:)/.exec(rest);
  return afterParen + (lookaround ? lookaround[0].length : 1);
}

/** How a ticket should look, for form hints and messages: the policy's examples when it gives them, else the patterns. */
export function describeTicketFormat(requirement: {
  patterns: readonly string[];
  examples: readonly string[];
}): string | null {
  if (requirement.examples.length > 0) return `for example ${requirement.examples.join(" or ")}`;
  if (requirement.patterns.length > 0) return `matching ${requirement.patterns.join(" and ")}`;
  return null;
}
