"""Article 30 record items: controller, joint controller, representative and DPO contacts; purposes, data subjects, categories, recipients, security measures; the processor record."""
