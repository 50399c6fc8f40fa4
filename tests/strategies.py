"""Hypothesis strategies for valid registry documents."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from ropa.domain import model as m
from ropa.domain.vocabulary import builtin

VOCAB = builtin()
keys = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}", fullmatch=True)
text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
names = text.filter(lambda s: len(s) > 0)
dates = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))
countries = st.sampled_from(sorted(VOCAB.countries))
categories = st.sampled_from(sorted(VOCAB.data_categories))
subjects = st.sampled_from(sorted(VOCAB.data_subject_categories))
mechanisms = st.sampled_from(sorted(VOCAB.transfer_mechanisms))
durations = st.sampled_from(["P6D", "P30D", "P6M", "P1Y", "P10Y", "PT72H", "P1Y6M"])


def _unique(prefix: str, values: list[str]) -> list[str]:
    return [f"{prefix}{i}-{v}" for i, v in enumerate(values)]


@st.composite
def registries(draw: st.DrawFn) -> m.RegistryDocument:
    terms = [
        m.Term(key=f"custom-{k}", vocabulary=m.Vocabulary.DATA_CATEGORY, label=draw(names))
        for k in draw(st.lists(keys, max_size=2, unique=True))
    ]
    all_categories = [*sorted(VOCAB.data_categories), *(t.key for t in terms)]
    document = m.RegistryDocument(terms=terms)
    for org_key in _unique("org", draw(st.lists(keys, min_size=1, max_size=2, unique=True))):
        document.organisations.append(
            m.Organisation(
                key=org_key,
                name=draw(names),
                role=draw(st.sampled_from(list(m.OrganisationRole))),
                contact=draw(st.none() | st.builds(m.Contact, name=text, email=text)),
                establishment_country=draw(st.none() | countries),
                notes=draw(text),
            )
        )
        parties: list[str] = []
        for party_key in _unique(f"{org_key}-p", draw(st.lists(keys, max_size=3, unique=True))):
            role = draw(st.sampled_from([r for r in m.PartyRole if r != m.PartyRole.SUB_PROCESSOR]))
            document.parties.append(
                m.Party(
                    key=party_key,
                    organisation=org_key,
                    name=draw(names),
                    role=role,
                    country=draw(st.none() | countries),
                    contract=draw(
                        st.none() | st.builds(m.Contract, reference=text, signed_on=dates)
                    ),
                    dpf=draw(st.none() | st.builds(m.DpfCertification, certified=st.booleans())),
                )
            )
            parties.append(party_key)
        if parties and draw(st.booleans()):
            sub = f"{org_key}-sub"
            document.parties.append(
                m.Party(
                    key=sub,
                    organisation=org_key,
                    name=draw(names),
                    role=m.PartyRole.SUB_PROCESSOR,
                    sub_processor_of=draw(st.sampled_from(parties)),
                )
            )
            parties.append(sub)
        systems = _unique(f"{org_key}-s", draw(st.lists(keys, min_size=1, max_size=3, unique=True)))
        for system_key in systems:
            document.systems.append(
                m.System(
                    key=system_key,
                    organisation=org_key,
                    name=draw(names),
                    system_kind=draw(st.sampled_from(list(m.SystemKind))),
                    operator=draw(st.none() | st.sampled_from(parties)) if parties else None,
                    hosting_country=draw(st.none() | countries),
                    description=draw(text),
                )
            )
        nodes = [f"system:{s}" for s in systems] + [f"party:{p}" for p in parties]
        for activity_key in _unique(f"{org_key}-a", draw(st.lists(keys, max_size=3, unique=True))):
            used = draw(st.lists(st.sampled_from(all_categories), max_size=4, unique=True))
            document.activities.append(
                m.Activity(
                    key=activity_key,
                    organisation=org_key,
                    name=draw(names),
                    purposes=draw(st.lists(text, max_size=2, unique=True)),
                    data_subjects=draw(st.lists(subjects, max_size=2, unique=True)),
                    data_categories=used,
                    lawful_bases=[
                        m.LawfulBasis(basis=b, interest=draw(text))
                        for b in draw(
                            st.lists(
                                st.sampled_from(sorted(VOCAB.lawful_bases)), max_size=2, unique=True
                            )
                        )
                    ],
                    recipients=draw(st.none() | st.lists(st.sampled_from(parties), unique=True))
                    if parties
                    else None,
                    systems=draw(st.lists(st.sampled_from(systems), unique=True)),
                    retention=[
                        m.Retention(data_category=c, period=draw(durations), trigger=draw(text))
                        for c in draw(st.lists(st.sampled_from(used), unique=True))
                    ]
                    if used
                    else [],
                    last_reviewed=draw(st.none() | dates),
                    status=draw(st.sampled_from(list(m.ActivityStatus))),
                    dpia=draw(st.none() | st.builds(m.Dpia, reference=text)),
                )
            )
            for flow_key in _unique(
                f"{activity_key}-f", draw(st.lists(keys, max_size=3, unique=True))
            ):
                source, target = (
                    draw(st.lists(st.sampled_from(nodes), min_size=2, max_size=2, unique=True))
                    if len(nodes) > 1
                    else (None, None)
                )
                if source is None:
                    continue
                transfer = draw(
                    st.none()
                    | st.builds(
                        m.Transfer,
                        destination_country=countries,
                        mechanism=st.none() | mechanisms,
                        tia_reference=text,
                        since=st.none() | dates,
                    )
                )
                document.flows.append(
                    m.Flow(
                        key=flow_key,
                        activity=activity_key,
                        source=source,
                        target=target,
                        data_categories=draw(
                            st.lists(st.sampled_from(all_categories), max_size=3, unique=True)
                        ),
                        transfer=transfer,
                    )
                )
        if draw(st.booleans()):
            accepted = draw(dates)
            document.waivers.append(
                m.Waiver(
                    key=f"{org_key}-w",
                    organisation=org_key,
                    finding="RETENTION-MISSING@activity:x",
                    reason=draw(names),
                    accepted_by=draw(names),
                    accepted_on=accepted,
                    expires_on=accepted + dt.timedelta(days=draw(st.integers(0, 800))),
                )
            )
    return document
