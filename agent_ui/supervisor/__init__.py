"""The supervisor's side: the live monitor page and its websocket, the interventions it
sends, and the reports page with its drill-downs and exports."""
