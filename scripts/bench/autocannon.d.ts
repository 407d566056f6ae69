// The part of autocannon 9's programmatic API bench:web uses (the package ships no types).
declare module "autocannon" {
  interface AutocannonOptions {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    headers?: Record<string, string>;
  }
  interface AutocannonResult {
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  interface AutocannonInstance extends PromiseLike<AutocannonResult> {
    on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): this;
  }
  export default function autocannon(options: AutocannonOptions): AutocannonInstance;
}
