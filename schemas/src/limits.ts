/** The largest spec or text file kiln reads, in bytes: anything bigger is refused, not parsed. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;
