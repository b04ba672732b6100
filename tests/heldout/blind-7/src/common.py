"""Shared helper for hand-written posting sources (blind set 7)."""

def P(kind, title, desc, req=None, ben=None, sal=None, co=None, prof=None,
      loc=None, ct=None, x=(), tc=False, emp=None, size=None, n=None):
    d = {"kind": kind, "title": title, "description": desc}
    for k, v in (("requirements", req), ("benefits", ben), ("salary", sal),
                 ("company", co), ("company_profile", prof), ("location", loc),
                 ("contact", ct), ("employment_type", emp), ("company_size", size),
                 ("openings", n)):
        if v is not None:
            d[k] = v
    d["expect"] = list(x)
    if tc:
        d["telecommuting"] = True
    return d
