/** Fixed cell size of the thumbnail grid (CSS px): a fixed size is what makes the window arithmetic exact. */
export const CELL_SIZE = 148;
/** Rows rendered above and below the viewport so fast scrolling does not show blank cells. */
export const OVERSCAN_ROWS = 2;

export interface GridWindow {
  columns: number;
  /** All rows of the list (for the scroll height). */
  rows: number;
  /** Positions [first, last] to render, inclusive; last < first when the list is empty. */
  first: number;
  last: number;
}

/** Which positions a virtualized grid of `total` items shows at this scroll offset and size. */
export function gridWindow(total: number, width: number, height: number, scrollTop: number, cell = CELL_SIZE): GridWindow {
  const columns = Math.max(1, Math.floor(width / cell));
  const rows = Math.ceil(total / columns);
  const firstRow = Math.max(0, Math.floor(scrollTop / cell) - OVERSCAN_ROWS);
  const lastRow = Math.min(rows - 1, Math.ceil((scrollTop + height) / cell) + OVERSCAN_ROWS);
  return { columns, rows, first: firstRow * columns, last: Math.min(total - 1, (lastRow + 1) * columns - 1) };
}

/** The scrollTop that brings `position` into view, or null when it is visible already. */
export function scrollToShow(position: number, columns: number, height: number, scrollTop: number, cell = CELL_SIZE): number | null {
  const top = Math.floor(position / columns) * cell;
  if (top < scrollTop) return top;
  if (top + cell > scrollTop + height) return top + cell - height;
  return null;
}
