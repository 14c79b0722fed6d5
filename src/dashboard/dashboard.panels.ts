/**
 * Panels other modules contribute to the workspace dashboard. The reminders and connector
 * modules provide these tokens (from a global module, or a module the DashboardModule imports);
 * while a token is absent its panel answers zeros / an empty list.
 */
export interface ReminderPanel {
  upcoming24h: number;
  fired7d: number;
  late7d: number;
}

export interface ReminderStats {
  /** Counts for the workspace as of `now`. */
  dashboardPanel(workspaceId: string, now: Date): Promise<ReminderPanel>;
}

export interface ConnectorHealthPanel {
  connectorId: string;
  name: string;
  health: {
    state: 'closed' | 'open' | 'half_open' | 'disabled';
    lastSuccessAt: string | null;
    lastFailureAt: string | null;
    successRate24h: number | null;
    deadDeliveries: number;
  };
}

export interface ConnectorStats {
  dashboardPanel(workspaceId: string, now: Date): Promise<ConnectorHealthPanel[]>;
}

export const REMINDER_STATS = Symbol('DASHBOARD_REMINDER_STATS');
export const CONNECTOR_STATS = Symbol('DASHBOARD_CONNECTOR_STATS');
