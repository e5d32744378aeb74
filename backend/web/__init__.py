"""The pages people see, served by the backend itself: server-rendered HTML, no front-end build chain.

`render` is the one way a page is answered (its language, its headers, its template); `words` holds
every text a page shows, in German first and English second. Pages call the same service functions
as the API, so there is one set of rules.
"""
