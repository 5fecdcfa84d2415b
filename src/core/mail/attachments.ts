/**
 * A message's attachments for the webhook payload: file attachments with their bytes while they fit in
 * the handler's budget, everything else listed without bytes. Bytes are fetched one attachment at a
 * time, so a 150 MB attachment past the budget is never downloaded.
 * @module
 */
import type { PayloadAttachment } from "../jira/payload.ts";
import type { GraphClient } from "../microsoft/graph-client.ts";

interface AttachmentListing {
  "@odata.type"?: string;
  id: string;
  name?: string;
  contentType?: string | null;
  size?: number;
  isInline?: boolean;
}

export async function readAttachments(
  graph: GraphClient,
  messagePath: string,
  options: { maxBytes: number },
): Promise<PayloadAttachment[]> {
  const listed: AttachmentListing[] = [];
  let link: string | undefined = `${messagePath}/attachments?$select=id,name,contentType,size,isInline`;
  while (link !== undefined) {
    const page: { value: AttachmentListing[]; "@odata.nextLink"?: string } = await graph.getJson(link);
    listed.push(...page.value);
    link = page["@odata.nextLink"];
  }
  let budget = options.maxBytes;
  const attachments: PayloadAttachment[] = [];
  for (const item of listed) {
    const base = {
      name: item.name ?? "",
      contentType: item.contentType ?? null,
      size: item.size ?? 0,
      isInline: item.isInline === true,
      contentId: null,
    };
    if (item["@odata.type"] !== "#microsoft.graph.fileAttachment") {
      attachments.push({ ...base, omitted: "not_a_file" });
      continue;
    }
    if (base.size > budget) {
      attachments.push({ ...base, omitted: "too_large" });
      continue;
    }
    const file = await graph.getJson<{ contentBytes?: string; contentId?: string | null }>(
      `${messagePath}/attachments/${encodeURIComponent(item.id)}`,
    );
    budget -= base.size;
    attachments.push({ ...base, contentId: file.contentId ?? null, contentBase64: file.contentBytes ?? "" });
  }
  return attachments;
}

/** Whether a message may carry attachments: Graph's `hasAttachments` is false when all are inline. */
export function mayHaveAttachments(message: { hasAttachments: boolean; bodyHtml: string | null }): boolean {
  return message.hasAttachments || /\bcid:/i.test(message.bodyHtml ?? "");
}
