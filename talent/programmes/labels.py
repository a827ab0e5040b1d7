"""Words for programme kinds, states and document types, in the reader's language."""

from flask_babel import lazy_gettext as _l

from talent.programmes.models import (
    ApplicationStatus,
    DocumentType,
    OfferStatus,
    PlacementStatus,
    ProgrammeKind,
    ReviewStatus,
)

PROGRAMME_KIND = {
    ProgrammeKind.SCHOLARSHIP: _l("scholarship"),
    ProgrammeKind.SCIENTIST_EXCHANGE: _l("chief AI scientist exchange"),
    ProgrammeKind.YOUNG_SCHOLARS: _l("Digital Silk Road young scholars"),
    ProgrammeKind.ENGINEER_PLACEMENT: _l("algorithm engineers in enterprises"),
}
APPLICATION_STATUS = {
    ApplicationStatus.DRAFT: _l("draft"),
    ApplicationStatus.SUBMITTED: _l("submitted"),
    ApplicationStatus.UNDER_REVIEW: _l("under review"),
    ApplicationStatus.ACCEPTED: _l("accepted"),
    ApplicationStatus.WAITLISTED: _l("waitlisted"),
    ApplicationStatus.REJECTED: _l("rejected"),
    ApplicationStatus.WITHDRAWN: _l("withdrawn"),
}
OFFER_STATUS = {
    OfferStatus.PENDING: _l("offer awaiting your answer"),
    OfferStatus.ACCEPTED: _l("offer accepted"),
    OfferStatus.DECLINED: _l("offer declined"),
    OfferStatus.LAPSED: _l("offer lapsed"),
}
DOCUMENT_TYPE = {
    DocumentType.CV: _l("curriculum vitae"),
    DocumentType.PASSPORT: _l("passport (identity page)"),
    DocumentType.DEGREE: _l("degree certificate"),
    DocumentType.TRANSCRIPT: _l("academic transcript"),
    DocumentType.LANGUAGE_CERTIFICATE: _l("language certificate"),
    DocumentType.RECOMMENDATION: _l("letter of recommendation"),
    DocumentType.RESEARCH_PLAN: _l("research or work plan"),
    DocumentType.EMPLOYER_LETTER: _l("employer's letter"),
}
REVIEW_STATUS = {
    ReviewStatus.ASSIGNED: _l("to do"),
    ReviewStatus.SUBMITTED: _l("submitted"),
    ReviewStatus.CONFLICT: _l("conflict declared"),
    ReviewStatus.WITHDRAWN: _l("withdrawn"),
}
PLACEMENT_STATUS = {
    PlacementStatus.PLANNED: _l("planned"),
    PlacementStatus.ARRIVED: _l("arrived"),
    PlacementStatus.COMPLETED: _l("completed"),
    PlacementStatus.CANCELLED: _l("cancelled"),
}
