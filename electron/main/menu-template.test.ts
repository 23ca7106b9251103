import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from './menu-template.ts';

function submenu(item: MenuItemConstructorOptions): MenuItemConstructorOptions[] {
  return item.submenu as MenuItemConstructorOptions[];
}

function click(item: MenuItemConstructorOptions): void {
  (item.click as () => void)();
}

describe('menuTemplate', () => {
  const recent = [
    { dir: '/data/knees', name: 'Knees', openedAt: '2026-11-28T10:00:00.000Z' },
    { dir: '/data/chest', name: 'Chest', openedAt: '2026-11-27T10:00:00.000Z' },
  ];

  it('has File, Edit, View and Help on Windows/Linux, and the app menu first on macOS', () => {
    const base = { recent, onCommand: vi.fn(), onCliHelp: vi.fn() };
    expect(menuTemplate({ ...base, isMac: false }).map((m) => m.label ?? m.role)).toEqual(['File', 'editMenu', 'View', 'help']);
    expect(menuTemplate({ ...base, isMac: true }).map((m) => m.label ?? m.role)).toEqual(['appMenu', 'File', 'editMenu', 'View', 'help']);
  });

  it('sends New, Open and Open Recent to the renderer with the chosen folder', () => {
    const onCommand = vi.fn();
    const [file] = menuTemplate({ recent, isMac: false, onCommand, onCliHelp: vi.fn() });
    const items = submenu(file);
    expect(items.map((i) => i.label ?? i.role ?? i.type)).toEqual(['New Project…', 'Open Project…', 'Open Recent', 'separator', 'quit']);
    click(items[0]);
    click(items[1]);
    const recentItems = submenu(items[2]);
    expect(recentItems.map((i) => i.label)).toEqual(['Knees — /data/knees', 'Chest — /data/chest']);
    click(recentItems[1]);
    expect(onCommand.mock.calls).toEqual([['project.new'], ['project.open'], ['project.openRecent', '/data/chest']]);
  });

  it('shows a disabled placeholder when there are no recent projects', () => {
    const [file] = menuTemplate({ recent: [], isMac: false, onCommand: vi.fn(), onCliHelp: vi.fn() });
    expect(submenu(submenu(file)[2])).toEqual([{ label: 'No recent projects', enabled: false }]);
  });
});
