"""The daily brief (bản tin điều hành): one page in Vietnamese for a day — yesterday and the month to date, the
Decision 766 index, the largest risks, the alerts and data health — as HTML for e-mail, plain text and a PDF
(:mod:`ioc.brief.figures` gathers, :mod:`ioc.brief.html` and :mod:`ioc.brief.pdf` render, :mod:`ioc.brief.send`
sends through the ``notification`` outbox, :mod:`ioc.brief.job` is the scheduler's 07:00 job)."""
