// A typed client for the simulator's /_control API, for vitest and Playwright.
import type { Click, Submit } from "./control";
import type { Fault, RateLimitSettings } from "./faults";
import type { InteractionOutcome } from "./interactions";
import type { LoggedCall } from "./runtime";
import type { SeedUser } from "./seed";
import type { StoredEphemeral, StoredMessage, StoredView } from "./state";

export class SlackControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`slack simulator control answered ${status}: ${JSON.stringify(body)}`);
  }
}

export class SlackSimulatorControl {
  /** baseUrl: the simulator's root, e.g. http://127.0.0.1:4580 */
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl.replace(/\/+$/, "")}/_control/${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed: unknown = await response.json();
    if (!response.ok) throw new SlackControlError(response.status, parsed);
    return parsed as T;
  }

  private static query(params: Record<string, string | undefined>): string {
    const defined = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
    return defined.length ? `?${new URLSearchParams(defined).toString()}` : "";
  }

  async reset(): Promise<void> {
    await this.call("POST", "reset");
  }

  async users(): Promise<{ users: SeedUser[]; bot: { userId: string; botId: string; appId: string; name: string } }> {
    return this.call("GET", "users");
  }

  /** channel: an id, "#name" or a user id (their DM with the bot); omitted = every channel. */
  async messages(channel?: string): Promise<StoredMessage[]> {
    return (
      await this.call<{ messages: StoredMessage[] }>("GET", `messages${SlackSimulatorControl.query({ channel })}`)
    ).messages;
  }

  async ephemerals(filter: { user?: string; channel?: string } = {}): Promise<StoredEphemeral[]> {
    return (
      await this.call<{ ephemerals: StoredEphemeral[] }>("GET", `ephemerals${SlackSimulatorControl.query(filter)}`)
    ).ephemerals;
  }

  async views(user?: string): Promise<StoredView[]> {
    return (await this.call<{ views: StoredView[] }>("GET", `views${SlackSimulatorControl.query({ user })}`)).views;
  }

  async calls(): Promise<{ counts: Record<string, number>; log: LoggedCall[] }> {
    return this.call("GET", "calls");
  }

  async interactions(): Promise<InteractionOutcome[]> {
    return (await this.call<{ interactions: InteractionOutcome[] }>("GET", "interactions")).interactions;
  }

  async addFault(fault: Fault): Promise<void> {
    await this.call("POST", "faults", fault);
  }

  async clearFaults(): Promise<void> {
    await this.call("DELETE", "faults");
  }

  async setRateLimits(settings: RateLimitSettings): Promise<Required<RateLimitSettings>> {
    return this.call("POST", "rate-limits", settings);
  }

  async setInteractivityUrl(interactivityUrl: string | null): Promise<void> {
    await this.call("POST", "config", { interactivityUrl });
  }

  async issueTrigger(user: string): Promise<string> {
    return (await this.call<{ triggerId: string }>("POST", "triggers", { user })).triggerId;
  }

  /** The user clicks a button; resolves once the app answered (or 3 s passed). */
  async click(click: Click): Promise<InteractionOutcome> {
    return (await this.call<{ outcome: InteractionOutcome }>("POST", "click", click)).outcome;
  }

  async submit(submit: Submit): Promise<InteractionOutcome> {
    return (await this.call<{ outcome: InteractionOutcome }>("POST", "submit", submit)).outcome;
  }
}
