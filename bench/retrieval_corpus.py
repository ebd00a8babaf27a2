"""A small corpus for the retrieval evaluation: documents of a fictional company, each holding a
few facts among boilerplate, in every supported format, and questions that ask for a fact in other
words than the document uses. Each question names the file (and page) that answers it."""

from __future__ import annotations

# (file, [(heading or None, text)]); a .pdf gets one page per part.
DOCUMENTS = [
    (
        "travel-policy.md",
        [
            (
                "Travel",
                "Staff travelling abroad may claim meals up to 60 euros a "
                "day. Hotel rooms are booked through the travel desk.",
            ),
            (
                "Trains",
                "Second class is the rule for train journeys shorter than "
                "four hours; first class is allowed above that.",
            ),
        ],
    ),
    (
        "it-security.txt",
        [
            (
                None,
                "Passwords must be at least 14 characters long and are changed "
                "only after a suspected compromise. Two-factor authentication is "
                "mandatory for e-mail and VPN.",
            )
        ],
    ),
    (
        "vpn-guide.html",
        [
            (
                "Remote access",
                "The VPN client is called Tunnelblick on Macs and "
                "WireGuard on Windows. Connect before opening the intranet.",
            )
        ],
    ),
    (
        "holidays.docx",
        [
            (
                "Annual leave",
                "Full-time employees receive 27 days of paid annual "
                "leave per year, plus public holidays.",
            ),
            (
                "Carry-over",
                "Up to five unused days may be carried into the first quarter of the next year.",
            ),
        ],
    ),
    (
        "parental-leave.pdf",
        [
            (None, "Parental leave policy. Birth parents receive 20 weeks at full pay."),
            (
                None,
                "Partners receive 6 weeks at full pay, to be taken within the child's first year.",
            ),
        ],
    ),
    (
        "expenses.md",
        [
            (
                "Submitting claims",
                "Expense claims are submitted in Concur within 30 "
                "days, with a photo of each receipt.",
            ),
            ("Approval", "Claims above 500 euros need the approval of a director."),
        ],
    ),
    (
        "office-hours.txt",
        [
            (
                None,
                "The Berlin office opens at 7:30 and closes at 20:00 on "
                "weekdays. On Saturdays the building is closed.",
            )
        ],
    ),
    (
        "canteen.html",
        [
            (
                "Canteen",
                "Lunch is served from 11:45 to 14:00. A vegetarian dish is "
                "offered every day and costs 4.50 euros.",
            )
        ],
    ),
    (
        "contract-acme.pdf",
        [
            (
                None,
                "Service agreement between Northwind GmbH and Acme Ltd for cloud hosting services.",
            ),
            (
                None,
                "Invoices are payable within 45 days of receipt. Late "
                "payment incurs interest of two percent per month.",
            ),
            (
                None,
                "Either party may terminate with three months' written "
                "notice at the end of a quarter.",
            ),
        ],
    ),
    (
        "contract-globex.pdf",
        [
            (None, "Consulting agreement between Northwind GmbH and Globex Corporation."),
            (
                None,
                "The daily rate for senior consultants is 1,200 euros, billed monthly in arrears.",
            ),
        ],
    ),
    (
        "onboarding.md",
        [
            (
                "First day",
                "New starters collect their badge from reception at 9:00 and meet their buddy.",
            ),
            (
                "Equipment",
                "Engineers receive a ThinkPad X1 Carbon with 32 GB of "
                "memory; designers receive a MacBook Pro.",
            ),
        ],
    ),
    (
        "backup.py",
        [
            (
                None,
                'def nightly_backup():\n    """Backups run every night at 02:30 '
                "and are copied to the Falkenstein data centre; they are kept for 35 "
                'days."""\n    return schedule(\'02:30\')\n',
            )
        ],
    ),
    (
        "incident-response.docx",
        [
            (
                "Reporting",
                "Security incidents are reported to the CERT "
                "hotline on extension 4455, day or night.",
            ),
            (
                "Severity",
                "A severity one incident requires an update to management every two hours.",
            ),
        ],
    ),
    (
        "pension.txt",
        [
            (
                None,
                "The company adds 5 percent of salary to the pension plan when the "
                "employee contributes at least 3 percent.",
            )
        ],
    ),
    (
        "bike-scheme.html",
        [
            (
                "Bike leasing",
                "Employees can lease up to two bicycles through "
                "JobRad; the lease runs for 36 months.",
            )
        ],
    ),
    (
        "parking.md",
        [
            (
                "Parking",
                "Visitor parking is in garage B on level 3; staff park on "
                "levels 4 and 5 with their badge.",
            )
        ],
    ),
    (
        "sick-leave.pdf",
        [
            (
                None,
                "Employees who are ill must inform their manager before 10:00. "
                "A doctor's note is required from the fourth day of absence.",
            )
        ],
    ),
    (
        "training-budget.docx",
        [
            (
                "Learning",
                "Each employee has a personal training budget of "
                "1,500 euros per year for courses and conferences.",
            )
        ],
    ),
    (
        "remote-work.md",
        [
            (
                "Working from home",
                "Staff may work from home up to three days a week after their probation period.",
            ),
            (
                "Abroad",
                "Working from another country is allowed for up to 20 days "
                "a year after approval by HR.",
            ),
        ],
    ),
    (
        "data-retention.txt",
        [
            (
                None,
                "Customer records are deleted seven years after the end of "
                "the contract, as required by the tax code.",
            )
        ],
    ),
]

# The same boilerplate in every document, as in real company papers: it makes common words common.
BOILERPLATE = (
    "This document is maintained by Northwind GmbH and applies to all employees. "
    "Please contact the responsible team if anything is unclear. Last reviewed in "
    "the second quarter."
)

# (question, file that answers it, page for PDFs)
QUESTIONS = [
    ("How much can I spend on food per day on a trip abroad?", "travel-policy.md", None),
    ("Can I take first class on a long train ride?", "travel-policy.md", None),
    ("What is the minimum length of a password?", "it-security.txt", None),
    ("Is two-step login required for email?", "it-security.txt", None),
    ("Which VPN software do Windows laptops use?", "vpn-guide.html", None),
    ("How many vacation days do I get?", "holidays.docx", None),
    ("Can leftover vacation be moved to next year?", "holidays.docx", None),
    ("How long is paid leave after giving birth?", "parental-leave.pdf", 1),
    ("How much leave does the other parent get?", "parental-leave.pdf", 2),
    ("Where do I file my expense reports?", "expenses.md", None),
    ("Who must approve a large expense claim?", "expenses.md", None),
    ("When does the Berlin office close in the evening?", "office-hours.txt", None),
    ("What does the vegetarian lunch cost?", "canteen.html", None),
    ("When must Acme invoices be paid?", "contract-acme.pdf", 2),
    ("How much notice is needed to end the hosting contract?", "contract-acme.pdf", 3),
    ("What is the day rate of a senior consultant from Globex?", "contract-globex.pdf", 2),
    ("Where do new employees pick up their access card?", "onboarding.md", None),
    ("What laptop do engineers get?", "onboarding.md", None),
    ("At what time do the nightly backups run?", "backup.py", None),
    ("How long are backups retained?", "backup.py", None),
    ("What number do I call to report a security incident?", "incident-response.docx", None),
    (
        "How often must management be updated in a severity one incident?",
        "incident-response.docx",
        None,
    ),
    ("How much does the employer pay into my pension?", "pension.txt", None),
    ("How many bikes can I lease?", "bike-scheme.html", None),
    ("Where should visitors park their car?", "parking.md", None),
    ("From which day of illness do I need a medical certificate?", "sick-leave.pdf", 1),
    ("What is my yearly budget for conferences?", "training-budget.docx", None),
    ("How many days a week can I work from home?", "remote-work.md", None),
    ("Can I work from another country for a while?", "remote-work.md", None),
    ("When are customer records deleted?", "data-retention.txt", None),
]


def write(folder) -> None:
    """Write the corpus into ``folder`` (PDF and Word files made as in the tests)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from docs_files import make_docx, make_pdf

    folder.mkdir(parents=True, exist_ok=True)
    for name, parts in DOCUMENTS:
        path = folder / name
        if name.endswith(".pdf"):
            make_pdf(path, [f"{text}\n{BOILERPLATE}" for _, text in parts])
        elif name.endswith(".docx"):
            paragraphs = []
            for heading, text in parts:
                paragraphs += [("Heading1", heading), (None, text)]
            make_docx(path, paragraphs + [(None, BOILERPLATE)])
        elif name.endswith(".md"):
            path.write_text(
                "".join(f"# {h}\n\n{t}\n\n" for h, t in parts) + BOILERPLATE, encoding="utf-8"
            )
        elif name.endswith(".html"):
            path.write_text(
                "<html><body>"
                + "".join(f"<h1>{h}</h1><p>{t}</p>" for h, t in parts)
                + f"<p>{BOILERPLATE}</p></body></html>",
                encoding="utf-8",
            )
        else:
            path.write_text(
                "\n\n".join(t for _, t in parts) + "\n\n# " + BOILERPLATE + "\n", encoding="utf-8"
            )
