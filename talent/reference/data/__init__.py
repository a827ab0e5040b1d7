"""Reference classifications shipped with the code (the country list is data/countries.csv)."""
