import { deliverOne } from "../services/notifications/deliver-notifications";

/** deliverOne for tests that drive one worker at a time, which always holds its lease: losing it is a bug worth failing on. */
export async function deliveredOrThrow(...args: Parameters<typeof deliverOne>) {
  const outcome = await deliverOne(...args);
  if (!outcome) throw new Error("the delivery's lease was lost");
  return outcome;
}
