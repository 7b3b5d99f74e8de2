// The wire vocabulary of Wati's segment preview, `POST /api/ext/v3/segments/evaluate`, in one
// place for both sides: the emulator serves it and segsync's client will call it. Imports
// nothing, so either side can load it without pulling in the other.
//
// Documented by Wati: the path (a v3 call, at the host root, with no tenant path), a body of
// `groups` plus a page number (>= 1) and a page size (1–100), and the v3 contact shape.
// NOT documented in what we could read: the names of the two paging fields and the answer's
// body. segsync's choice: the names v3 contact listing uses (`page_number`, `page_size`), and the
// documented v3 contact-list answer `{ contact_list, page_number, page_size }` (no total).

/** The evaluate path, at the host root: v3 calls carry no tenant path. */
export const EVALUATE_PATH = '/api/ext/v3/segments/evaluate';

/** The request's paging fields (segsync's choice: Wati does not name them). */
export const EVALUATE_PAGE_FIELDS = {
  number: 'page_number',
  size: 'page_size',
} as const;

/** Documented bounds of the page size. */
export const EVALUATE_MIN_PAGE_SIZE = 1;
export const EVALUATE_MAX_PAGE_SIZE = 100;

/** The answer's list of contacts (the documented v3 contact-list field). */
export const EVALUATE_CONTACT_LIST_FIELD = 'contact_list';

/** A contact in the documented v3 shape; every custom param value is a string. */
export interface V3Contact {
  /** A 24-hex-character MongoDB ObjectId. */
  id: string;
  wa_id: string;
  name: string;
  phone: string;
  custom_params: { name: string; value: string }[];
}
