-- A day's rollup of one combination of subjects holds one row per currency (see V10).
ALTER TABLE usage_daily DROP CONSTRAINT usage_daily_pkey;
ALTER TABLE usage_daily ADD PRIMARY KEY (usage_day, user_id, team_id, project_id, tool_id, provider_id, currency);
