# Example only: the IAM role the portal's worker uses to call IAM Identity Center, Identity Store and Organizations.
# Review it against docs/iam-policy.md before use. The web app never calls AWS and needs no role.
# scripts/deployment-terraform.test.ts keeps local.portal_actions equal to docs/iam-policy.json, statement by statement.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "identity_center_instance_arn" {
  description = "arn:aws:sso:::instance/ssoins-... (aws sso-admin list-instances)"
  type        = string
}

variable "identity_store_id" {
  description = "d-xxxxxxxxxx (aws sso-admin list-instances)"
  type        = string
}

variable "identity_store_owner_account_id" {
  description = "Account that owns the Identity Center instance (the management account for an organization instance)"
  type        = string
}

variable "workload" {
  description = "Who assumes the role: ecs (task role), eks-irsa (IAM roles for service accounts) or eks-pod-identity"
  type        = string
  default     = "ecs"
  validation {
    condition     = contains(["ecs", "eks-irsa", "eks-pod-identity"], var.workload)
    error_message = "workload must be ecs, eks-irsa or eks-pod-identity."
  }
}

variable "eks_oidc_provider_arn" {
  description = "eks-irsa only: the cluster's IAM OIDC provider ARN"
  type        = string
  default     = ""
}

variable "eks_oidc_issuer" {
  description = "eks-irsa only: the cluster's OIDC issuer without https:// (oidc.eks.<region>.amazonaws.com/id/...)"
  type        = string
  default     = ""
}

variable "kubernetes_namespace" {
  description = "eks-irsa only: namespace of the worker's service account"
  type        = string
  default     = "jit-portal"
}

variable "kubernetes_service_account" {
  description = "eks-irsa only: the worker's service account"
  type        = string
  default     = "jit-portal-worker"
}

variable "management_account_id" {
  description = "Only with allow_management_account_targets: the organization's management account"
  type        = string
  default     = ""
}

variable "audit_role_name" {
  type        = string
  description = "The read-only audit role in member accounts (AUDIT_ROLE_NAME; docs/audit-role.md)"
  default     = "JitPortalAudit"
}

variable "allow_management_account_targets" {
  description = "Grant the IAM actions Identity Center needs to assign permission sets in the management account (see docs/iam-policy.md)"
  type        = bool
  default     = false
}

locals {
  partition   = split(":", var.identity_center_instance_arn)[1]
  instance_id = split("/", var.identity_center_instance_arn)[1]

  # The portal's actions per statement of docs/iam-policy.json; change both together (the test compares them).
  portal_actions = {
    IdentityCenterRead = [
      "sso:ListPermissionSets",
      "sso:DescribePermissionSet",
      "sso:ListAccountAssignments",
      "sso:ListAccountAssignmentsForPrincipal",
      "sso:ListPermissionSetsProvisionedToAccount",
      "sso:ListAccountsForProvisionedPermissionSet",
      "sso:DescribeAccountAssignmentCreationStatus",
      "sso:DescribeAccountAssignmentDeletionStatus",
      "sso:ListAccountAssignmentDeletionStatus",
      "sso:GetInlinePolicyForPermissionSet",
      "sso:DescribePermissionSetProvisioningStatus",
      "sso:ListManagedPoliciesInPermissionSet",
      "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
    ]
    IdentityCenterCreateAssignments = [
      "sso:CreateAccountAssignment",
    ]
    IdentityCenterDeleteAssignments = [
      "sso:DeleteAccountAssignment",
    ]
    IdentityCenterSessionRevocation = [
      "sso:PutInlinePolicyToPermissionSet",
      "sso:DeleteInlinePolicyFromPermissionSet",
      "sso:ProvisionPermissionSet",
    ]
    IdentityStoreRead = [
      "identitystore:GetUserId",
      "identitystore:DescribeUser",
      "identitystore:ListUsers",
      "identitystore:ListGroups",
      "identitystore:DescribeGroup",
      "identitystore:ListGroupMemberships",
      "identitystore:ListGroupMembershipsForMember",
      "identitystore:GetGroupId",
      "identitystore:GetGroupMembershipId",
      "identitystore:IsMemberInGroups",
    ]
    IdentityStoreGroupMembership = [
      "identitystore:CreateGroupMembership",
      "identitystore:DeleteGroupMembership",
    ]
    OrganizationsReadTree = [
      "organizations:ListRoots",
      "organizations:ListOrganizationalUnitsForParent",
      "organizations:ListAccountsForParent",
    ]
    ScorecardAssumeAuditRole = [
      "sts:AssumeRole",
    ]
    OptionalManagementAccountTargetsIam = [
      "iam:GetRole",
      "iam:CreateRole",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
      "iam:DeleteRole",
      "iam:ListRolePolicies",
      "iam:PutRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:AttachRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:DeleteRolePermissionsBoundary",
      "iam:GetSAMLProvider",
      "iam:CreateSAMLProvider",
      "iam:UpdateSAMLProvider",
    ]
  }

  identity_center_resources = [
    "arn:${local.partition}:sso:::instance/${local.instance_id}",
    "arn:${local.partition}:sso:::permissionSet/${local.instance_id}/*",
    "arn:${local.partition}:sso:::account/*",
  ]
}

# Who may assume the role: the ECS task, or the worker's Kubernetes service account. No access keys anywhere.
data "aws_iam_policy_document" "trust" {
  dynamic "statement" {
    for_each = var.workload == "ecs" ? [1] : []
    content {
      actions = ["sts:AssumeRole"]
      principals {
        type        = "Service"
        identifiers = ["ecs-tasks.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.workload == "eks-pod-identity" ? [1] : []
    content {
      actions = ["sts:AssumeRole", "sts:TagSession"]
      principals {
        type        = "Service"
        identifiers = ["pods.eks.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.workload == "eks-irsa" ? [1] : []
    content {
      actions = ["sts:AssumeRoleWithWebIdentity"]
      principals {
        type        = "Federated"
        identifiers = [var.eks_oidc_provider_arn]
      }
      condition {
        test     = "StringEquals"
        variable = "${var.eks_oidc_issuer}:sub"
        values   = ["system:serviceaccount:${var.kubernetes_namespace}:${var.kubernetes_service_account}"]
      }
      condition {
        test     = "StringEquals"
        variable = "${var.eks_oidc_issuer}:aud"
        values   = ["sts.amazonaws.com"]
      }
    }
  }
}

data "aws_iam_policy_document" "portal" {
  statement {
    sid       = "IdentityCenterRead"
    actions   = local.portal_actions.IdentityCenterRead
    resources = local.identity_center_resources
  }

  statement {
    sid       = "IdentityCenterCreateAssignments"
    actions   = local.portal_actions.IdentityCenterCreateAssignments
    resources = local.identity_center_resources
  }

  statement {
    sid       = "IdentityCenterDeleteAssignments"
    actions   = local.portal_actions.IdentityCenterDeleteAssignments
    resources = local.identity_center_resources
  }

  statement {
    sid       = "IdentityCenterSessionRevocation"
    actions   = local.portal_actions.IdentityCenterSessionRevocation
    resources = local.identity_center_resources
  }

  statement {
    sid     = "IdentityStoreRead"
    actions = local.portal_actions.IdentityStoreRead
    resources = [
      "arn:${local.partition}:identitystore::${var.identity_store_owner_account_id}:identitystore/${var.identity_store_id}",
      "arn:${local.partition}:identitystore:::user/*",
      "arn:${local.partition}:identitystore:::group/*",
      "arn:${local.partition}:identitystore:::membership/*",
    ]
  }

  statement {
    sid     = "IdentityStoreGroupMembership"
    actions = local.portal_actions.IdentityStoreGroupMembership
    resources = [
      "arn:${local.partition}:identitystore::${var.identity_store_owner_account_id}:identitystore/${var.identity_store_id}",
      "arn:${local.partition}:identitystore:::user/*",
      "arn:${local.partition}:identitystore:::group/*",
      "arn:${local.partition}:identitystore:::membership/*",
    ]
  }

  statement {
    sid       = "OrganizationsReadTree"
    actions   = local.portal_actions.OrganizationsReadTree
    resources = ["*"]
  }

  statement {
    sid       = "ScorecardAssumeAuditRole"
    actions   = local.portal_actions.ScorecardAssumeAuditRole
    resources = ["arn:${local.partition}:iam::*:role/${var.audit_role_name}"]
  }

  dynamic "statement" {
    for_each = var.allow_management_account_targets ? [1] : []
    content {
      sid     = "OptionalManagementAccountTargetsIam"
      actions = local.portal_actions.OptionalManagementAccountTargetsIam
      resources = [
        "arn:${local.partition}:iam::${var.management_account_id}:role/aws-reserved/sso.amazonaws.com/*",
        "arn:${local.partition}:iam::${var.management_account_id}:saml-provider/AWSSSO_*",
      ]
    }
  }
}

resource "aws_iam_role" "portal_worker" {
  name                 = "jit-portal-worker"
  description          = "JIT elevation portal worker: creates and removes Identity Center account assignments"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "portal_worker" {
  name   = "jit-portal-identity-center"
  role   = aws_iam_role.portal_worker.id
  policy = data.aws_iam_policy_document.portal.json
}

output "worker_role_arn" {
  description = "ECS: the task definition's taskRoleArn. EKS IRSA: the service account's eks.amazonaws.com/role-arn annotation. Pod Identity: aws eks create-pod-identity-association --role-arn."
  value       = aws_iam_role.portal_worker.arn
}
