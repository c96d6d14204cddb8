/** The site form's values and the request bodies they become (checked by NewSite / SitePatch). */

export const SITE_FORM = { siteId: "", name: "", address: "", lat: "", lng: "", timezone: "" };
export type SiteForm = typeof SITE_FORM;

/** A site id from a name: "Lyon plant #2" → "lyon-plant-2" (the id allows letters, digits, '_', ':' and '-'). */
export function slug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "");
}

const coordinate = (v: string, blank: null | undefined): number | string | null | undefined => {
  const t = v.trim();
  if (t === "") return blank;
  return Number.isFinite(Number(t)) ? Number(t) : t;
};

/** A new site: blanks left out. */
export function newSiteBody(v: SiteForm): Record<string, unknown> {
  const out: Record<string, unknown> = { siteId: v.siteId.trim(), name: v.name };
  if (v.address.trim()) out.address = v.address.trim();
  const lat = coordinate(v.lat, undefined);
  const lng = coordinate(v.lng, undefined);
  if (lat !== undefined) out.lat = lat;
  if (lng !== undefined) out.lng = lng;
  if (v.timezone) out.timezone = v.timezone;
  return out;
}

/** A change to a site: every field sent, a cleared address or location as null. */
export function sitePatchBody(v: SiteForm): Record<string, unknown> {
  const out: Record<string, unknown> = { name: v.name, address: v.address.trim() || null, lat: coordinate(v.lat, null), lng: coordinate(v.lng, null) };
  if (v.timezone) out.timezone = v.timezone;
  return out;
}

export function toSiteForm(s: { siteId: string; name: string; address: string | null; lat: number | null; lng: number | null; timezone: string }): SiteForm {
  return { siteId: s.siteId, name: s.name, address: s.address ?? "", lat: s.lat === null ? "" : String(s.lat), lng: s.lng === null ? "" : String(s.lng), timezone: s.timezone };
}
