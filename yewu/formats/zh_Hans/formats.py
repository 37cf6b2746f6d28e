# Amounts in business documents group by thousands with a comma (¥1,234,567.89), as Chinese
# finance and invoices write them; Django's default for Chinese groups nothing.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
