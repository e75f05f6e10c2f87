"""jewelcrime ETL: read JSA-style incidents, JM-style claims, FBI NIBRS tables and
reference tables, validate them, and load them into one database."""
