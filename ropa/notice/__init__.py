"""The privacy notice (Arts 13 and 14) written from the registry, and a published notice checked
against it.

``registry.holds`` lists what a notice must disclose, from the derived facts; ``build`` writes
the notice from it in a catalogue's language, ``render`` makes Markdown, HTML or PDF of it;
``reading`` and ``check`` read a published notice and report what it leaves out or contradicts;
``ropa.services.notice`` serves both to the faces.
"""
