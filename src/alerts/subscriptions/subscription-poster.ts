/** What one POST to a subscriber's URL came to. */
export type PostAnswer =
  /** Refused before any byte was sent (the address policy); never retried. */
  | { kind: "refused"; reason: string }
  /** An HTTP answer; redirects are answers too, never followed. */
  | { kind: "answered"; status: number; location: string | null; retryAfter: string | null }
  /** No answer: connection refused, reset, timeout, or a body past the size limit. */
  | { kind: "failed"; error: string };

/**
 * POSTs to URLs strangers chose: resolves the host, refuses it when any address it resolves to is
 * inside the operator's network, and connects to the address it checked (no second lookup that
 * DNS rebinding could answer differently). Node only (subscription-poster.node.ts).
 */
export interface SubscriptionPoster {
  post(url: string, body: string, headers: Record<string, string>): Promise<PostAnswer>;
}
