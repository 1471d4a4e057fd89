/**
 * The shapes the console's pages are rendered from: what the API's console operations
 * (`api.console`) answer, and who looks (a {@link Viewer}: the caller of a console sign-in).
 */
export type * from '../api/console/pages';
