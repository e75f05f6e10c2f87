"""The jewelcrime dashboard (Dash). Reads only the database the ETL builds."""
