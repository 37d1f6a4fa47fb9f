// How a frontend uses the types generated from openapi/leads.yaml. This file is only type-checked
// (scripts/check-types.sh regenerates leads.d.ts, then runs `tsc -p types/tsconfig.json`): if the
// contract changes in a way that breaks these uses, the check fails.
import type { components, paths } from "./leads";

type Schemas = components["schemas"];

// Request and response bodies, read from the paths as a typed client would.
export type LeadWriteBody = paths["/leads"]["post"]["requestBody"]["content"]["application/json"];
export type LeadListBody = paths["/leads"]["get"]["responses"][200]["content"]["application/json"];
export type PatchBody = paths["/leads/{id}"]["patch"]["requestBody"]["content"]["application/json"];
export type ProblemBody = components["responses"]["BadRequest"]["content"]["application/problem+json"];
export type ListQuery = NonNullable<paths["/leads"]["get"]["parameters"]["query"]>;
export type LeadFiltersQuery = NonNullable<ListQuery["filters"]>;

// 1. A create body (`LeadWrite` inside its `lead` envelope).
const newLead: Schemas["LeadWrite"] = {
  title: "mr",
  first_name: "Johnny",
  last_name: "Trump",
  mobile: "0478524147",
  email: "johnny.t@gmail.com",
  category: "residential",
  country: "AE",
  status: "prospect",
  source: "portal",
  source_channel: "dubizzle",
  financial: "mortgage",
  mortgage_status: "pre-approved",
  preference: {
    offering_type: "sale",
    types: [2],
    locations: ["are.3.1200"],
    from_price: 120000,
    to_price: 125000,
    amenities: [1, 2],
  },
  fields: { "1": "2 pets", "3": true },
};
export const createBody: LeadWriteBody = { lead: newLead };

// 2. Reading a `LeadList` page.
export function summarise(page: LeadListBody): string[] {
  const lines = [`${page.count} leads, page ${page.page} (${page.per_page} per page)`];
  for (let i = 0; i < page.leads.length; i++) {
    const lead = page.leads[i];
    if (lead === undefined) continue;
    const fromPrice: number | null | undefined = lead.preferences[0]?.from_price;
    const userId: number = lead.user.id;
    lines.push(`#${lead.id} ${lead.last_name} (user ${userId}) from ${fromPrice ?? "any price"}`);
  }
  return lines;
}

// 3. A patch body with a status operation (and an assignment, as the documentation's example).
const qualify: Schemas["StatusOperation"] = { op: "replace", path: "/status", value: "qualified" };
export const patchBody: PatchBody = {
  operations: [qualify, { op: "replace", path: "/assignment/user", value: "2" }],
};
export const badPatch: PatchBody = {
  operations: [
    // @ts-expect-error "won" is not a LeadStatus: the types reject an unknown status.
    { op: "replace", path: "/status", value: "won" },
  ],
};

// 4. A problem+json error with `errors[]`.
export function problemMessages(problem: ProblemBody): string[] {
  const fields = (problem.errors ?? []).map((e) => `${e.in} ${e.name}: ${e.message}`);
  return [`${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}`, ...fields];
}

// 5. The `filters` query object, serialised into the bracketed keys the API reads.
export const filters: LeadFiltersQuery = {
  status: "prospect",
  created: { from: "2016-01-01", to: "2016-12-31" },
  updated: "current_month",
  wishlist: { from_price: 50000, from_bedroom: 2, locations: ["are.3"] },
  lead_fields: { "2": "test" },
};
export const query: ListQuery = { filters, sort: "price", sort_order: "DESC", page: 1, per_page: 20 };

export function toSearchParams(value: unknown, prefix: string, out = new URLSearchParams()): URLSearchParams {
  if (Array.isArray(value)) {
    for (const item of value) toSearchParams(item, prefix, out);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      toSearchParams(item, prefix ? `${prefix}[${key}]` : key, out);
    }
  } else if (value !== undefined) {
    out.append(prefix, String(value));
  }
  return out;
}

export async function listLeads(baseUrl: string, token: string, q: ListQuery): Promise<LeadListBody> {
  const response = await fetch(`${baseUrl}/leads?${toSearchParams(q, "")}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    throw new Error(problemMessages((await response.json()) as ProblemBody).join("\n"));
  }
  return (await response.json()) as LeadListBody;
}
