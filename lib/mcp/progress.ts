/**
 * An MCP tool's progress notifications, for the tools that run long (query_sql, run_export,
 * mrr_history).
 */

/** A tool handler's `extra`, as far as progress needs it. */
export interface ProgressExtra {
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: {
    method: "notifications/progress";
    params: { progressToken: string | number; progress: number; total?: number; message: string };
  }) => Promise<void>;
}

/**
 * Sends a request's progress notifications (MCP: `progress` rising at each, `total` when known),
 * or undefined when its client sent no progressToken (it asked for none).
 */
export function progressSender(
  extra: ProgressExtra,
): ((message: string, at?: { progress: number; total: number }) => void) | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  let sent = 0;
  return (message, at) => {
    sent = at?.progress ?? sent + 1;
    extra.sendNotification({
      method: "notifications/progress",
      params: { progressToken: token, progress: sent, ...(at ? { total: at.total } : {}), message },
    }).catch(() => {}); // (a client gone: its request is cancelled too)
  };
}
