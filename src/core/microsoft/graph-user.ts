/**
 * The signed-in user as Graph `/me` describes them (https://learn.microsoft.com/graph/api/user-get),
 * parsed at the boundary.
 * @module
 */
import { z } from "zod";
import type { GraphClient } from "./graph-client.ts";

const meSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
});

/** The signed-in user's id, mailbox address and names (`mail` is null for users without a mailbox). */
export interface GraphUser {
  id: string;
  displayName: string | null;
  mail: string | null;
  userPrincipalName: string | null;
}

export async function getMe(client: GraphClient): Promise<GraphUser> {
  const me = await client.getParsed("/me?$select=id,displayName,mail,userPrincipalName", meSchema, "/me");
  return {
    id: me.id,
    displayName: me.displayName ?? null,
    mail: me.mail ?? null,
    userPrincipalName: me.userPrincipalName ?? null,
  };
}
