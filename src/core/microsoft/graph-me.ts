/**
 * Graph `/me`: who the access token belongs to (https://learn.microsoft.com/graph/api/user-get),
 * parsed with a schema at the boundary. `id` is the user's object id, the same value as the
 * id_token's `oid`; `mail` is null for users without a mailbox.
 * @module
 */
import { z } from "zod";
import { GraphError } from "./graph-client.ts";
import type { GraphClient } from "./graph-client.ts";

const ME_SELECT = "id,displayName,mail,userPrincipalName";

const meSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
});

export interface GraphUser {
  /** The object id (`oid`). */
  id: string;
  displayName: string | null;
  mail: string | null;
  userPrincipalName: string | null;
}

export async function getMe(client: GraphClient): Promise<GraphUser> {
  const { body } = await client.request({ method: "GET", path: `/me?$select=${ME_SELECT}` });
  const parsed = meSchema.safeParse(body);
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join(".") || "body";
    throw new GraphError({
      status: 200,
      code: "invalid_response",
      message: `Graph /me answered without a usable ${field}`,
    });
  }
  const { id, displayName, mail, userPrincipalName } = parsed.data;
  return {
    id,
    displayName: displayName || null,
    mail: mail || null,
    userPrincipalName: userPrincipalName || null,
  };
}
