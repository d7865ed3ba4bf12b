/** Sessions per meeting and status (migration 056, kept by triggers): the search and meeting listings' totals. */
export interface MeetingSessionCountsTable {
  account_id: string;
  app_id: string;
  meeting_id: string;
  status: string;
  n: number;
}
